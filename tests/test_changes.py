"""Change records: sentence alignment and edit labels, the views, and the query commands,
on the real fixture pages, hand-made pairs and real SQLite files."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import feedparser
import pytest
import sqlite_utils

from crawler.cleaner import clean
from crawler.recheck.policy import schedule_for
from crawler.reclean import reclean_db
from crawler.sources import DEFAULT_TIERS
from db import schema
from db.changes import align, compare, notice_in, split_sentences
from db.schema import open_db
from db.store import Content, Fetch, record_fetch
from tests.conftest import FIXTURES, Cli

SEED = FIXTURES / "seed-article"
EDITS = SEED / "edits"
URL = "https://bangkokonenews.example/xi-visit/"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
SEED_BODY = json.loads((SEED / "expected.json").read_text())["body"]


def page_content(html: bytes, *, keep_html: bool = False, url: str = URL) -> Content:
    a = clean(html, url)
    return Content(a.title, a.author, a.body, a.published, a.modified, a.cleaner_version,
                   raw_html=html if keep_html else None)


def store(db, content: Content, at: datetime, url: str = URL, source: str = "bangkok"):
    return record_fetch(db, Fetch(url, source, at), content, schedule_for(DEFAULT_TIERS))


def text_content(title: str, body: str, byline: str = "A. Reporter", published: str | None = None) -> Content:
    return Content(title, byline, body, published)


def record_of(db, version: int = 2, url: str = URL) -> dict:
    return next(db.query("select c.* from change_records c join versions v on v.id = c.version_id "
                         "join articles a on a.id = v.article_id where a.url = ? and v.version = ?",
                         [url, version]))


# -- the fixture edits, stored through the real store ------------------------------------------
# file -> what its change record must say (fields changed; non-zero counts; notice)
EXPECTED = {
    "01-headline-changed.html": ({"title"}, {}, None),
    "02-update-appended.html": ({"body"}, {"sentences_added": 1}, "update"),
    "03-number-corrected.html": ({"body"}, {"sentences_rewritten": 1, "numbers_changed": 1}, None),
    "04-quote-reworded.html": ({"body"}, {"sentences_rewritten": 1, "quotes_changed": 1}, None),
    "05-paragraph-removed.html": ({"body"}, {"sentences_deleted": 1}, None),
    "06-typo-fixed.html": ({"body"}, {"sentences_rewritten": 1}, None),
    "07-byline-changed.html": ({"byline"}, {}, None),
}
COUNTS = ("sentences_added", "sentences_deleted", "sentences_rewritten", "sentences_moved",
          "numbers_changed")


def test_every_fixture_edit_is_covered():
    assert set(EXPECTED) == {p.name for p in EDITS.glob("*.html")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_edit_gets_its_labels(tmp_path, name):
    fields, counts, notice = EXPECTED[name]
    db = open_db(tmp_path / "x.db")
    store(db, page_content((SEED / "page.html").read_bytes()), NOW - timedelta(hours=2))
    store(db, page_content((EDITS / name).read_bytes()), NOW - timedelta(hours=1))
    rec = record_of(db)
    assert {f for f in ("title", "byline", "body", "published") if rec[f"{f}_changed"]} == fields
    assert {k: rec[k] for k in COUNTS if rec[k]} == {k: v for k, v in counts.items() if k in COUNTS}
    if name != "01-headline-changed.html":  # the new headline adds the quoted ‘new era’
        assert rec["quotes_changed"] == counts.get("quotes_changed", 0)
    assert rec["notice"] == notice and rec["minor"] == 0
    [row] = db.query("select * from changes")
    assert row["previous_version_id"] == rec["previous_version_id"] and row["version"] == 2


def test_one_word_fix_is_a_rewrite_with_its_word_diff(tmp_path):
    db = open_db(tmp_path / "x.db")
    store(db, page_content((SEED / "page.html").read_bytes()), NOW - timedelta(hours=2))
    store(db, page_content((EDITS / "06-typo-fixed.html").read_bytes()), NOW - timedelta(hours=1))
    [op] = json.loads(record_of(db)["detail"])["ops"]
    assert op["op"] == "rewritten"
    assert ["-", "toast"] in op["words"] and ["+", "toasted"] in op["words"]
    assert "prosperity" in op["text"]  # the sentence holds a quote, but the quote did not change


def test_appended_update_is_an_addition_and_a_notice(tmp_path):
    db = open_db(tmp_path / "x.db")
    store(db, page_content((SEED / "page.html").read_bytes()), NOW - timedelta(hours=2))
    store(db, page_content((EDITS / "02-update-appended.html").read_bytes()), NOW - timedelta(hours=1))
    rec = record_of(db)
    [op] = json.loads(rec["detail"])["ops"]
    assert op["op"] == "added" and op["text"].startswith("Update:")
    assert rec["notice"] == "update" and rec["notice_text"] == op["text"]


# -- hand-made pairs ------------------------------------------------------------------------------
PARAS = ["The council met on Monday. It voted to close the old bridge.",
         "Engineers said the bridge was unsafe. Repairs would cost $3.5 million.",
         "Residents protested outside the hall. Some carried signs.",
         "The mayor said: “We had no choice.” She left without questions.",
         "A new bridge is planned for 2027."]


def pair(old: list[str], new: list[str], **fields) -> dict:
    base = {"title": "Bridge to close", "byline": "A. Reporter", "published": None}
    return compare({**base, "body": "\n".join(old)}, {**base, **fields, "body": "\n".join(new)})


def test_moved_paragraph_is_a_move_not_a_delete_and_add():
    moved = [PARAS[0], PARAS[2], PARAS[3], PARAS[4], PARAS[1]]
    rec = pair(PARAS, moved)
    assert (rec.sentences_moved, rec.sentences_added, rec.sentences_deleted, rec.sentences_rewritten) == (2, 0, 0, 0)
    assert {o.text for o in rec.ops if o.op == "moved"} == set(split_sentences(PARAS[1]))
    assert rec.minor == 0 and rec.numbers_changed == 0


def test_rewritten_and_moved_sentences_are_told_apart():
    new = [PARAS[0], PARAS[2], PARAS[3].replace("no choice", "no other choice"), PARAS[4], PARAS[1]]
    rec = pair(PARAS, new)
    assert rec.sentences_moved == 2 and rec.sentences_rewritten == 1 and rec.quotes_changed == 1


def test_unrelated_sentence_is_a_deletion_and_an_addition():
    new = PARAS[:4] + ["Traffic will be diverted through the northern ring road from March."]
    rec = pair(PARAS, new)
    assert (rec.sentences_added, rec.sentences_deleted, rec.sentences_rewritten) == (1, 1, 0)
    assert rec.numbers_changed == 0  # the deleted sentence held 2027, but no number was changed


def test_number_change_and_quote_change():
    numbers = pair(PARAS, [PARAS[0], PARAS[1].replace("3.5", "4.5")] + PARAS[2:])
    assert numbers.numbers_changed == 1 and numbers.sentences_rewritten == 1 and numbers.quotes_changed == 0
    quote = pair(PARAS, PARAS[:3] + [PARAS[3].replace("no choice", "every reason")] + PARAS[4:])
    assert quote.quotes_changed == 1 and quote.numbers_changed == 0


def test_punctuation_case_and_whitespace_edits_are_minor():
    new = [PARAS[0].replace("Monday.", "Monday!"), PARAS[1].replace("unsafe", "UNSAFE")] + PARAS[2:]
    rec = pair(PARAS, new, title="Bridge to close!")
    assert rec.minor == 1 and rec.sentences_rewritten == 2 and rec.title_changed == 1
    split = pair(PARAS, PARAS[:2] + ["Residents protested outside the hall.", "Some carried signs."] + PARAS[3:])
    assert split.minor == 1  # a paragraph split in two: the words are the same


def test_a_changed_word_or_number_is_not_minor():
    assert pair(PARAS, [PARAS[0].replace("Monday", "Tuesday")] + PARAS[1:]).minor == 0
    dropped_point = pair(PARAS, [PARAS[0], PARAS[1].replace("3.5", "35")] + PARAS[2:])
    assert dropped_point.minor == 0 and dropped_point.numbers_changed == 1


@pytest.mark.parametrize("text, kind", [
    ("Correction: An earlier version misnamed the mayor.", "correction"),
    ("CORRECTION (March 3): the vote was 7-2.", "correction"),
    ("An earlier version of this article misstated the cost.", "correction"),
    ("This article has been amended to correct the date.", "correction"),
    ("This story was corrected on Tuesday.", "correction"),
    ("Editor’s note: the author lives near the bridge.", "editors_note"),
    ("EDITOR'S NOTE: names were changed.", "editors_note"),
    ("Update: the bridge reopened on Friday.", "update"),
    ("UPDATED 14:05 GMT: police arrived.", "update"),
    ("Updated — the council met again.", "update"),
    ("This story has been updated with the mayor's comments.", "update"),
    ("Updated figures show the bridge is safe.", None),
    ("The update to the software broke the lights.", None),
])
def test_notice_kinds_in_several_casings(text, kind):
    assert notice_in(text) == kind


def test_notice_is_detected_only_when_new():
    with_notice = PARAS + ["Correction: the repairs would cost $3.5 million, not $5 million."]
    rec = pair(PARAS, with_notice)
    assert rec.notice == "correction" and rec.sentences_added == 1
    again = compare({"title": "t", "byline": "", "body": "\n".join(with_notice)},
                    {"title": "t", "byline": "", "body": "\n".join(with_notice + ["A new paragraph."])})
    assert again.notice is None


def test_sentence_splitting_respects_quotes_abbreviations_and_decimals():
    text = ("Mr. Putin said growth was 3.5 per cent. He continued, “We are ready. We will talk,” "
            "Xi said. The U.S. Army left at 5 p.m. Monday. Prices rose 1,200.50 euros! Next?")
    assert split_sentences(text) == [
        "Mr. Putin said growth was 3.5 per cent.",
        "He continued, “We are ready. We will talk,” Xi said.",
        "The U.S. Army left at 5 p.m. Monday.",
        "Prices rose 1,200.50 euros!", "Next?"]
    assert split_sentences("A “new era.” Days later, it ended.") == ["A “new era.”", "Days later, it ended."]


def test_published_change_counts_only_when_the_moment_moves():
    same = pair(PARAS, PARAS[:4], published="2023-03-22T09:14:37+07:00")
    assert same.published_changed == 1  # from none to a date
    base = {"title": "t", "byline": "", "body": "x"}
    moved = compare({**base, "published": "2023-03-22T02:14:37+00:00"},
                    {**base, "body": "y", "published": "2023-03-22T09:14:37+07:00"})
    later = compare({**base, "published": "2023-03-22T02:14:37+00:00"},
                    {**base, "body": "y", "published": "2023-03-23T02:14:37+00:00"})
    assert moved.published_changed == 0 and later.published_changed == 1


def test_align_keeps_every_sentence_in_order():
    ops = align("\n".join(PARAS), "\n".join(PARAS[1:] + [PARAS[0]]))
    assert [o.op for o in ops].count("same") == 7 and [o.op for o in ops].count("moved") == 2
    assert [o.new for o in ops if o.new is not None] == list(range(9))


# -- a database with several articles and kinds of edit -------------------------------------------
A, B, C = (f"https://news.example/{s}" for s in ("bridge", "budget", "storm"))


@pytest.fixture
def edited(tmp_path) -> Cli:
    """A: headline + correction + a minor edit; B (source 'other'): moved paragraph, number;
    C: never edited. Times: A's edits 3 days ago and 2 hours ago."""
    db = open_db(tmp_path / "newswatch.db")
    body = "\n".join(PARAS)
    at = NOW - timedelta(days=5)
    store(db, text_content("Bridge to close", body), at, A, "local")
    store(db, text_content("Old bridge to close for good", body), NOW - timedelta(days=3), A, "local")
    store(db, text_content("Old bridge to close for good", body + "\nCorrection: the vote was 7-2, not 6-3."),
          NOW - timedelta(hours=2), A, "local")
    store(db, text_content("Old bridge to close for good", body.replace("Monday.", "Monday!") +
                           "\nCorrection: the vote was 7-2, not 6-3."), NOW - timedelta(hours=1), A, "local")
    store(db, text_content("Budget passes", body), at, B, "other")
    store(db, text_content("Budget passes", "\n".join(PARAS[1:] + PARAS[:1])), NOW - timedelta(hours=3), B, "other")
    store(db, text_content("Budget passes", "\n".join(PARAS[1:] + PARAS[:1]).replace("3.5", "4.2")),
          NOW - timedelta(minutes=30), B, "other")
    store(db, text_content("Storm warning", body), at, C, "local")
    db.close()
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "local"\nfeeds = ["https://news.example/feed"]\n'
                       '[[source]]\nname = "other"\nfeeds = ["https://news.example/feed2"]\n')
    return Cli(db=tmp_path / "newswatch.db", sources=sources, cwd=tmp_path)


def view(cli: Cli, sql: str) -> list[dict]:
    with sqlite3.connect(cli.db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql)]


def test_views(edited):
    changes = view(edited, "select * from changes order by captured_at")
    assert [(c["url"], c["version"]) for c in changes] == [(A, 2), (B, 2), (A, 3), (A, 4), (B, 3)]
    assert all(c["previous_captured_at"] < c["captured_at"] for c in changes)
    [headline] = view(edited, "select * from headline_changes")
    assert (headline["url"], headline["previous_title"], headline["title"]) == \
        (A, "Bridge to close", "Old bridge to close for good")
    [correction] = view(edited, "select * from corrections")
    assert correction["url"] == A and correction["version"] == 3 and correction["notice"] == "correction"
    assert correction["notice_text"].startswith("Correction: the vote")
    most = view(edited, "select * from most_edited")
    assert [(m["url"], m["edits"], m["substantive_edits"]) for m in most] == [(A, 3, 2), (B, 2, 2)]
    assert most[0]["headline_changes"] == 1 and most[0]["notices"] == 1


def test_changes_since_uses_the_index(edited):
    plan = " ".join(r["detail"] for r in view(
        edited, "explain query plan select * from changes where captured_at >= '2026-01-01' "
                "order by captured_at desc limit 100"))
    assert "idx_change_records_captured_at" in plan


def versions_of(cli: Cli, *args: str) -> list[tuple[str, int]]:
    return [(r["url"], r["version"]) for r in cli.json_lines("changes", "--json", *args)]


def test_changes_filters(edited):
    assert versions_of(edited, "--since", "all") == [(B, 3), (A, 4), (A, 3), (B, 2), (A, 2)]
    assert versions_of(edited) == [(B, 3), (A, 4), (A, 3), (B, 2)]  # default: the last 24h
    assert versions_of(edited, "--since", "4d", "--until", "2h30m") == [(B, 2), (A, 2)]
    assert versions_of(edited, "--since", "all", "--field", "title") == [(A, 2)]
    assert versions_of(edited, "--since", "all", "--field", "title", "--field", "body") == \
        [(B, 3), (A, 4), (A, 3), (B, 2), (A, 2)]
    assert versions_of(edited, "--since", "all", "--kind", "correction") == [(A, 3)]
    assert versions_of(edited, "--since", "all", "--kind", "update") == []
    # A's correction adds a sentence with numbers in it; only B changed a number (3.5 -> 4.2).
    assert versions_of(edited, "--since", "all", "--kind", "number") == [(B, 3)]
    assert versions_of(edited, "--since", "all", "--kind", "move") == [(B, 2)]
    assert versions_of(edited, "--since", "all", "--kind", "minor") == [(A, 4)]
    assert versions_of(edited, "--since", "all", "--no-minor") == [(B, 3), (A, 3), (B, 2), (A, 2)]
    assert versions_of(edited, "--since", "all", "--source", "other") == [(B, 3), (B, 2)]
    assert versions_of(edited, "--since", "all", "--source", "other", "--kind", "number",
                       "--no-minor") == [(B, 3)]
    text = edited("changes", "--since", "all", "--kind", "correction").stdout
    assert "correction" in text and A in text and "1 added" in text
    bad = edited("changes", "--kind", "gossip", check=False)
    assert bad.returncode == 2 and "gossip" in bad.stderr


def test_diff_formats(edited):
    text = edited("diff", B, "1", "2", "--no-color").stdout
    moved = [line for line in text.splitlines() if line.startswith(">")]
    assert len(moved) == 2 and all("moved" in line for line in moved)
    assert not [line for line in text.splitlines() if line[:1] in "+-"]
    rewritten = edited("diff", B, "--no-color").stdout
    assert "~ ¶1 rewritten:" in rewritten and "[-3.5-]{+4.2+}" in rewritten
    coloured = edited("diff", B, "--color").stdout
    assert "\x1b[" in coloured and "4.2" in coloured
    data = json.loads(edited("diff", A, "2", "3", "--format", "json").stdout)
    assert data["record"]["notice"] == "correction" and data["from"]["version"] == 2
    assert [o["op"] for o in data["ops"]] == ["added"]
    headline = json.loads(edited("diff", A, "1", "2", "--format", "json").stdout)
    assert headline["fields"]["title"]["new"] == "Old bridge to close for good"
    page = edited("diff", A, "1", "3", "--format", "html").stdout
    assert page.startswith("<!doctype html>") and '<ins class="added">Correction:' in page
    assert "<h1><del>Bridge</del><ins>Old bridge</ins> to close<ins> for good</ins></h1>" in page
    unified = edited("diff", A, "2", "3", "--format", "unified").stdout
    assert unified.startswith("--- version 2") and "\n+Correction: the vote" in unified


def test_search(edited):
    hits = edited.json_lines("search", "Budget", "--json")
    assert {(h["url"], h["version"]) for h in hits} == {(B, 1), (B, 2), (B, 3)}
    old_number = edited.json_lines("search", '"3.5 million"', "--json")
    assert (B, 3) not in {(h["url"], h["version"]) for h in old_number} and (A, 4) in \
        {(h["url"], h["version"]) for h in old_number}
    current = edited.json_lines("search", "bridge", "--current-only", "--json")
    assert sorted(h["url"] for h in current) == [A, B, C] and all(h["is_current"] for h in current)
    assert edited.json_lines("search", "bridge", "--source", "other", "--current-only", "--json")[0]["url"] == B
    fallback = edited.json_lines("search", "Correction: 7-2 (", "--json")  # not FTS5: plain words
    assert {(h["url"], h["version"]) for h in fallback} == {(A, 3), (A, 4)}
    text = edited("search", "Correction").stdout
    assert A in text and "[Correction]" in text


@pytest.mark.parametrize("what, count", [("articles", 3), ("versions", 8), ("changes", 5)])
def test_export(edited, what, count):
    lines = edited.json_lines("export", "--what", what, "--format", "jsonl")
    assert len(lines) == count
    out = edited("export", "--what", what, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == count and "url" in rows[0]
    if what == "changes":
        assert lines[0]["detail"]["fields"]["title"]["old"] == "Bridge to close"
        assert json.loads(rows[0]["detail"])["fields"]["title"]["new"] == "Old bridge to close for good"
    if what == "versions":
        assert sum(r["body"].count("bridge") for r in lines) > 0
    filtered = edited.json_lines("export", "--what", what, "--source", "other")
    assert 0 < len(filtered) < count


def test_feed_is_atom_with_one_entry_per_edit(edited, tmp_path):
    edited("feed", "--output", str(tmp_path / "all.xml"), "--self-url", "https://example.org/feed.xml")
    parsed = feedparser.parse((tmp_path / "all.xml").read_bytes())
    assert not parsed.bozo and parsed.version == "atom10"
    assert [e.link for e in parsed.entries] == [B, A, A, B, A]  # last 7 days, newest first
    assert len({e.id for e in parsed.entries}) == 5
    correction = next(e for e in parsed.entries if e.id.endswith("version-3") and e.link == A)
    assert "correction" in correction.title and "Correction: the vote" in correction.summary
    assert parsed.feed.links[0].href == "https://example.org/feed.xml"
    other = feedparser.parse(edited("feed", "--source", "other", "--no-minor").stdout.encode())
    assert [e.link for e in other.entries] == [B, B] and "other" in other.feed.title
    assert [t.term for t in other.entries[0].tags] == ["other"]
    empty = feedparser.parse(edited("feed", "--since", "1m").stdout.encode())
    assert not empty.bozo and empty.entries == []


# -- raw HTML and reclean -------------------------------------------------------------------------
PAGES = ["page.html", "edits/02-update-appended.html", "edits/03-number-corrected.html"]


@pytest.fixture
def with_html(tmp_path):
    db = open_db(tmp_path / "newswatch.db")
    for n, name in enumerate(PAGES):
        store(db, page_content((SEED / name).read_bytes(), keep_html=True), NOW - timedelta(hours=3 - n))
    return db


def snapshot(db) -> list[tuple]:
    return [tuple(r) for r in db.execute(
        "select id, version, content_hash, body, cleaner_version from versions order by id")]


def test_raw_html_is_kept_compressed(with_html):
    rows = list(with_html.query("select version_id, codec, size, length(html) n from version_html"))
    assert [r["version_id"] for r in rows] == [1, 2, 3] and all(r["codec"] == "zlib" for r in rows)
    assert all(r["n"] < r["size"] / 2 for r in rows)
    assert rows[0]["size"] == len((SEED / PAGES[0]).read_bytes())


def test_reclean_with_the_same_cleaner_reproduces_the_versions(with_html, tmp_path):
    before = snapshot(with_html)
    sources = tmp_path / "none.toml"
    cli = Cli(db=tmp_path / "newswatch.db", sources=sources, cwd=tmp_path)
    report = json.loads(cli("reclean", "--json").stdout)
    assert report == {"articles": 1, "unchanged": 1, "recleaned": 0, "skipped_without_html": 0, "failed": 0}
    assert snapshot(open_db(tmp_path / "newswatch.db")) == before


def test_reclean_with_a_new_cleaner_supersedes_the_old_versions(with_html):
    def stricter(html, url, **kw):  # a "better" cleaner: drops any paragraph that says Update
        a = clean(html, url, **kw)
        body = "\n".join(line for line in a.body.splitlines() if not line.startswith("Update:"))
        return type(a)(**{**a.__dict__, "body": body, "cleaner_version": "test-2"})

    old = snapshot(with_html)
    assert reclean_db(with_html, clean_page=stricter)["recleaned"] == 1
    new = snapshot(with_html)
    assert [v[1] for v in new] == [1, 2] and {v[4] for v in new} == {"test-2"}  # v1 and v2 collapsed
    kept = [tuple(r) for r in with_html.execute(
        "select id, version, content_hash, body, cleaner_version from versions_superseded order by id")]
    assert kept == old
    [change] = list(with_html.query("select * from changes"))
    assert change["sentences_rewritten"] == 1 and change["numbers_changed"] == 1 and change["notice"] is None
    article = next(with_html.query("select * from articles"))
    assert article["current_version_id"] == new[-1][0] and article["version_count"] == 2
    pointed = {r[0] for r in with_html.execute("select version_id from checks where version_id is not null")}
    assert pointed == {new[0][0], new[1][0]}
    assert reclean_db(with_html, clean_page=stricter)["unchanged"] == 1  # idempotent


def test_reclean_skips_articles_without_html(tmp_path):
    db = open_db(tmp_path / "x.db")
    store(db, page_content((SEED / "page.html").read_bytes()), NOW)
    assert reclean_db(db)["skipped_without_html"] == 1


def test_crawl_keeps_html_when_the_sources_file_says_so(site, tmp_path):
    from tests.conftest import add_settings, write_sources

    _, server = site
    sources = write_sources(tmp_path / "sources.toml", server.base_url)
    add_settings(sources, "keep_html = true")
    cli = Cli(db=tmp_path / "newswatch.db", sources=sources, cwd=tmp_path)
    cli("crawl")
    counts = view(cli, "select (select count(*) from versions) v, (select count(*) from version_html) h")[0]
    assert counts["v"] == counts["h"] == 8
    assert json.loads(cli("reclean", "--json").stdout)["unchanged"] == 8


def test_crawl_without_keep_html_stores_no_html(site, cli):
    cli("crawl")
    assert view(cli, "select count(*) n from version_html")[0]["n"] == 0


# -- migration ------------------------------------------------------------------------------------
def test_migration_backfills_a_core_only_database(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute("create table _migrations (name text primary key, applied_at text)")
    schema._m001_core(db)
    db.execute("insert into _migrations values ('_m001_core', datetime('now'))")
    db.execute("insert into articles (id, url, source, first_seen, status, version_count) "
               "values (1, ?, 'bangkok', '2023-03-22T03:00:00+00:00', 'live', 3)", [URL])
    bodies = [SEED_BODY, SEED_BODY + "\nUpdate: Xi left Moscow.", SEED_BODY.replace("toast ", "toasted ")]
    for n, body in enumerate(bodies, start=1):
        db.execute("insert into versions (article_id, version, captured_at, title, byline, body, "
                   "content_hash) values (1, ?, ?, 'Xi visits', 'P. Srisuk', ?, ?)",
                   [n, f"2023-03-22T0{3 + n}:00:00+00:00", body, f"h{n}"])
    db.conn.commit()
    db.close()
    migrated = open_db(path, readonly=True)
    rows = list(migrated.query("select version, previous_version_id, sentences_added, sentences_deleted, "
                               "sentences_rewritten, notice from changes order by version"))
    assert rows == [{"version": 2, "previous_version_id": 1, "sentences_added": 1, "sentences_deleted": 0,
                     "sentences_rewritten": 0, "notice": "update"},
                    {"version": 3, "previous_version_id": 2, "sentences_added": 0, "sentences_deleted": 1,
                     "sentences_rewritten": 1, "notice": None}]
    assert {"headline_changes", "corrections", "most_edited"} <= set(migrated.view_names())
