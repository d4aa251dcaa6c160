"""Live blogs: entries are a stream (new ones counted), an edited or deleted entry is a change of
its own, and the live blog's version does not move at every post."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.conftest import Cli, query as q
from tests.hostile import HostileServer, html

JSONLD_URL, SELECTOR_URL = "/news/floods-live.html", "/news/election-live.html"


def entry_text(n: int, edited: bool = False) -> str:
    words = "slowly but surely" if edited else "as planned"
    return f"Update {n}: rescue teams reached village {n} in the valley, {words}, officials said."


def jsonld_blog(numbers: list[int], edited: int | None = None) -> bytes:
    """A LiveBlogPosting whose entries are listed newest first in JSON-LD and on the page."""
    updates, shown = [], ""
    for n in sorted(numbers, reverse=True):
        text = entry_text(n, n == edited)
        updates.append({"@type": "BlogPosting", "@id": f"https://example.org/live#post-{n}",
                        "headline": f"Entry {n}", "articleBody": text,
                        "datePublished": f"2026-03-01T10:{n:02d}:00Z"})
        shown += (f'<article id="post-{n}"><h2>Entry {n}</h2><time datetime="2026-03-01T10:{n:02d}:00Z">'
                  f"10:{n:02d}</time><p>{text}</p></article>")
    data = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
            "headline": "Floods in the valley: live updates", "liveBlogUpdate": updates}
    return (f'<html><head><title>Floods in the valley: live updates</title><script type="application/ld+json">'
            f"{json.dumps(data)}</script></head><body><main><h1>Floods in the valley: live updates</h1>"
            "<p class=standfirst>Rescue teams are working through the night in the flooded valley, "
            f"officials said on Sunday.</p><div class=stream>{shown}</div></main></body></html>").encode()


def selector_blog(numbers: list[int], edited: int | None = None) -> bytes:
    """A live blog with no JSON-LD and no intro: only its `div.post` entries (live_selector)."""
    posts = "".join(f'<div class=post id="p{n}"><p>{entry_text(n, n == edited)}</p></div>'
                    for n in sorted(numbers, reverse=True))
    return (f"<html><head><title>Election night live</title></head><body><h1>Election night live</h1>"
            f"<div class=posts>{posts}</div></body></html>").encode()


@pytest.fixture(scope="module")
def blogs(tmp_path_factory):
    """Crawled three times: three entries; five more and entry 2 edited; entry 6 deleted and
    entry 1 (the oldest) scrolled off the end."""
    root = tmp_path_factory.mktemp("live")
    with HostileServer() as server:
        links = "".join(f'<a href="{u}">live</a>' for u in (JSONLD_URL, SELECTOR_URL))
        server.routes["/index.html"] = html(f"<html><body>{links}</body></html>".encode())
        sources = root / "s.toml"
        sources.write_text(f'[[source]]\nname = "live"\nstart_urls = ["{server.base_url}/index.html"]\n'
                           'allowed_domains = ["127.0.0.1"]\narticle_pattern = "/news/"\n'
                           'live_selector = "div.post"\n', encoding="utf-8")
        cli = Cli(root / "n.db", sources, root)
        readings = [([1, 2, 3], None), ([1, 2, 3, 4, 5, 6, 7, 8], 2), ([2, 3, 4, 5, 7, 8], 2)]
        outputs = []
        for n, (numbers, edited) in enumerate(readings):
            server.routes[JSONLD_URL] = html(jsonld_blog(numbers, edited))
            server.routes[SELECTOR_URL] = html(selector_blog(numbers, edited))
            cli("crawl") if n == 0 else cli("recheck", "--all")
            outputs.append(q(cli.db, "select kind, count(*) as n from live_changes group by kind"))
        yield server, cli, outputs


def article_id(cli, server, path: str) -> int:
    [row] = q(cli.db, "select id from articles where url = ?", [server.base_url + path])
    return row["id"]


@pytest.mark.parametrize("path", [JSONLD_URL, SELECTOR_URL])
def test_new_entries_are_counted_and_the_version_does_not_move(blogs, path):
    server, cli, _ = blogs
    aid = article_id(cli, server, path)
    assert q(cli.db, "select count(*) as n from versions where article_id = ?", [aid]) == [{"n": 1}]
    entries = q(cli.db, "select entry_key, first_seen, deleted_at from live_entries where article_id = ? "
                        "order by id", [aid])
    assert len(entries) == 8
    first, second = sorted({e["first_seen"] for e in entries})[:2]
    assert sum(e["first_seen"] == first for e in entries) == 3
    assert sum(e["first_seen"] == second for e in entries) == 5  # five new entries in one reading


@pytest.mark.parametrize("path, key", [(JSONLD_URL, "https://example.org/live#post-"), (SELECTOR_URL, "p")])
def test_one_change_for_the_edit_and_one_for_the_deletion(blogs, path, key):
    server, cli, outputs = blogs
    aid = article_id(cli, server, path)
    changes = q(cli.db, "select l.kind, e.entry_key, l.previous_text, l.text, l.words_added, l.words_removed "
                        "from live_changes l join live_entries e on e.id = l.entry_id "
                        "where l.article_id = ? order by l.id", [aid])
    assert [(c["kind"], c["entry_key"]) for c in changes] == [("live-edit", f"{key}2"), ("live-delete", f"{key}6")]
    assert changes[0]["previous_text"] == entry_text(2) and changes[0]["text"] == entry_text(2, True)
    assert (changes[0]["words_added"], changes[0]["words_removed"]) == (3, 2)
    # the oldest entry scrolled off the end: not deleted, still in the stream
    [oldest] = q(cli.db, "select deleted_at from live_entries where article_id = ? and entry_key = ?",
                 [aid, f"{key}1"])
    assert oldest["deleted_at"] is None
    assert outputs[1] == [{"kind": "live-edit", "n": 2}]  # the second reading: one edit per blog


def test_the_versioned_body_is_the_intro(blogs):
    server, cli, _ = blogs
    rows = q(cli.db, "select a.url, v.body from versions v join articles a on a.id = v.article_id order by a.url")
    bodies = {r["url"].rsplit("/", 1)[1]: r["body"] for r in rows}
    assert bodies == {"election-live.html": "",  # nothing outside the entries: an empty body
                      "floods-live.html": "Rescue teams are working through the night in the flooded "
                                          "valley, officials said on Sunday."}


def test_history_shows_the_stream(blogs):
    server, cli, _ = blogs
    out = cli("history", server.base_url + JSONLD_URL).stdout
    assert "live blog: 8 entries, 1 edited, 1 deleted" in out
    assert "3 entries first seen" in out and "5 new entries, 1 edited" in out and "1 deleted" in out
    assert "live-edit  “Entry 2”  +3/-2" in out and "live-delete  “Entry 6”" in out
    assert out.count("  v") == 1  # one version
    data = json.loads(cli("history", server.base_url + JSONLD_URL, "--json").stdout)
    assert [r["new"] for r in data["live"]["readings"]] == [3, 5, 0]


def test_changes_lists_live_edits_and_deletions(blogs):
    server, cli, _ = blogs
    out = cli("changes", "--since", "all").stdout
    assert out.count("(live-edit)") == 2 and out.count("(live-delete)") == 2
    assert "Floods in the valley: live updates: “Entry 2”" in out
    rows = cli.json_lines("changes", "--since", "all", "--kind", "live-delete", "--json")
    assert sorted(r["url"] for r in rows) == sorted(server.base_url + p for p in (JSONLD_URL, SELECTOR_URL))
    assert all(r["kind"] == "live-delete" and r["previous_text"] == entry_text(6) for r in rows)
    assert cli.json_lines("changes", "--since", "all", "--field", "body", "--json") == []  # no version edits


def test_an_invalid_live_selector_is_a_one_line_error(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text('[[source]]\nname = "x"\nstart_urls = ["https://example.org/"]\n'
                       'live_selector = "div..post"\n', encoding="utf-8")
    result = Cli(tmp_path / "n.db", sources, tmp_path)("status", check=False)
    assert result.returncode != 0 and "live_selector" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_entries_survive_the_distributed_path(tmp_path):
    """A worker sends Content as JSON (crawler.distributed.protocol): the entries come back as
    lists of dicts."""
    from crawler.cleaner import clean
    from crawler.items import content_of
    from crawler.distributed.protocol import Result
    from db.schema import open_db
    from db.store import Fetch, record_fetch

    now = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    content = content_of(clean(jsonld_blog([1, 2]), "https://example.org/live"), now)
    fetch = Fetch(url="https://example.org/live", source="live", checked_at=now, http_status=200)
    result = Result.from_json(Result("fetch", "r1", None, now, fetch, content).to_json())
    db = open_db(tmp_path / "n.db")
    record_fetch(db, result.fetch, result.content, lambda *a, **k: None)
    assert [r["entry_key"] for r in db.query("select entry_key from live_entries order by id")] == [
        "https://example.org/live#post-1", "https://example.org/live#post-2"]


def test_jsonld_entries_without_ids_are_found_on_the_page_by_their_text():
    """No element ids to match: each entry's element is found by its text, the intro kept,
    and a single entry does not take its container (and the intro) with it."""
    from crawler.cleaner import clean

    for numbers in ([1, 2, 3], [1]):
        page = jsonld_blog(numbers).replace(b'"@id": "https://example.org/live#post-', b'"n": "')
        page = page.replace(b'<article id="post-', b'<article data-n="')
        article = clean(page, "https://example.org/live")
        assert article.live and len(article.entries) == len(numbers)
        assert all(e.key.startswith("sha1:") for e in article.entries)
        assert article.body == ("Rescue teams are working through the night in the flooded valley, "
                                "officials said on Sunday.")


def test_purge_deletes_the_stream(tmp_path):
    from crawler.cleaner import clean
    from crawler.items import content_of
    from db.schema import open_db
    from db.store import Fetch, record_fetch
    from db.tracking import purge

    db, url = open_db(tmp_path / "n.db"), "https://example.org/live"
    for n, (numbers, edited) in enumerate([([1, 2, 3], None), ([1, 3], None), ([1, 3], 3)]):
        now = datetime(2026, 3, 1, 12, n, tzinfo=timezone.utc)
        fetch = Fetch(url=url, source="live", checked_at=now, http_status=200, raw_hash=str(n))
        record_fetch(db, fetch, content_of(clean(jsonld_blog(numbers, edited), url), now), lambda *a, **k: None)
    assert [r["kind"] for r in db.query("select kind from live_changes order by id")] == ["live-delete", "live-edit"]
    deleted = purge(db, [1])
    assert (deleted["live_entries"], deleted["live_changes"], deleted["articles"]) == (3, 2, 1)


def test_an_entry_first_seen_below_older_ones_may_scroll_off_without_being_deleted(tmp_path):
    """An edit to an entry with no id gives it a new key, at its old place on the page: when it
    later scrolls off the end, it is not newer than the entries still shown, so not deleted."""
    from db.live import record_entries
    from db.schema import open_db

    db = open_db(tmp_path / "n.db")
    db.execute("insert into articles (url, source, first_seen, status) values ('u', 's', 't', 'live')")

    def read(at: str, keys: list[str]):  # newest first, as the page lists them
        return record_entries(db, 1, [{"key": k, "text": k} for k in keys], at, None)

    read("t1", ["e4", "e3", "e2", "e1"])
    assert read("t2", ["e5", "e4", "e3", "e2-edited", "e1"]).new == 2
    read("t3", ["e6", "e5", "e4", "e3"])  # e2-edited and e1 scrolled off the end
    assert read("t4", ["e6", "e4", "e3"]).deleted == 1  # e5: gone between e6 and e4
    deleted = [r["entry_key"] for r in db.query("select entry_key from live_entries where deleted_at is not null")]
    assert deleted == ["e2", "e5"]  # e2 went missing between e3 and e1 at t2
