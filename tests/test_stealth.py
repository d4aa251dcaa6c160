"""Stealth edits: a substantive change with no correction or update notice and no new modified
date is labelled `stealth`; an edit with a notice, a new dateModified or only punctuation is not."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from crawler.recheck.policy import schedule_for
from crawler.sources import Tier
from db.changes import compare
from db.schema import open_db
from db.store import Content, Fetch, record_fetch
from newswatch.cli import cli as newswatch

BODY = ("The council approved the budget on Tuesday.\nSpending on roads rises by 3.5 percent.\n"
        "The mayor said the plan was “fair to every district”.")
OLD = {"title": "Budget approved", "byline": "", "body": BODY, "modified": "2026-03-01T09:00:00+00:00"}


def edited(body: str, modified: str | None = OLD["modified"]) -> dict:
    return {**OLD, "body": body, "modified": modified}


def test_a_number_changed_without_notice_or_new_date_is_stealth():
    assert compare(OLD, edited(BODY.replace("3.5", "4.2"))).stealth == 1


def test_a_rewritten_sentence_with_the_modified_date_unchanged_is_stealth():
    new = BODY.replace("fair to every district", "a compromise nobody likes")
    assert compare(OLD, edited(new)).stealth == 1


def test_an_edit_with_a_correction_notice_is_not_stealth():
    new = BODY.replace("3.5", "4.2") + "\nCorrection: an earlier version of this article misstated the rise."
    record = compare(OLD, edited(new))
    assert record.notice == "correction" and record.stealth == 0


def test_an_edit_with_a_new_modified_date_is_not_stealth():
    assert compare(OLD, edited(BODY.replace("3.5", "4.2"), "2026-03-02T10:00:00+00:00")).stealth == 0


def test_punctuation_and_tiny_edits_are_not_stealth():
    assert compare(OLD, edited(BODY.replace("Tuesday.", "Tuesday!"))).stealth == 0
    assert compare(OLD, edited(BODY.replace("approved", "passed"))).stealth == 0  # 2 words


def test_changes_kind_stealth_lists_only_stealth_edits(tmp_path):
    db_path = tmp_path / "n.db"
    db, t0 = open_db(db_path), datetime(2026, 3, 1, tzinfo=timezone.utc)
    schedule = schedule_for([Tier(younger_than=86400 * 30, every=3600)])
    bodies = {"quiet": [BODY, BODY.replace("3.5", "4.2")],
              "announced": [BODY, BODY.replace("3.5", "4.2") + "\nCorrection: the rise was misstated."]}
    for slug, versions in bodies.items():
        for n, body in enumerate(versions):
            fetch = Fetch(url=f"https://news.example/{slug}", source="demo", http_status=200,
                          checked_at=t0 + timedelta(hours=n), raw_hash=f"{slug}{n}")
            record_fetch(db, fetch, Content("Budget approved", "", body, modified=OLD["modified"]), schedule)
    db.close()
    result = CliRunner().invoke(newswatch, ["--db", str(db_path), "changes", "--since", "all",
                                            "--kind", "stealth", "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["url"] for r in rows] == ["https://news.example/quiet"] and rows[0]["stealth"] == 1
    text = CliRunner().invoke(newswatch, ["--db", str(db_path), "changes", "--since", "all"]).output
    assert text.count("stealth") == 1


def test_notify_stealth_only_passes_only_stealth_edits(tmp_path):
    from crawler.notifications import rules_for, wanted
    from crawler.sources import load_config

    sources = tmp_path / "s.toml"
    sources.write_text('[settings]\nnotify_stealth_only = true\n[[source]]\nname = "demo"\n'
                       'feeds = ["https://news.example/feed.xml"]\n', encoding="utf-8")
    config = load_config(sources)
    rules = rules_for(config, config.source("demo"))
    edit = {"minor": 0, "body_changed": 1, "title_changed": 0, "byline_changed": 0, "published_changed": 0,
            "words_added": 3, "words_removed": 3}
    assert wanted({**edit, "stealth": 1}, rules) and not wanted({**edit, "stealth": 0}, rules)
    sources.write_text(sources.read_text().replace("true", "'yes'"), encoding="utf-8")
    try:
        load_config(sources)
    except Exception as exc:
        assert "notify_stealth_only" in str(exc) and "true or false" in str(exc)
    else:
        raise AssertionError("a non-boolean notify_stealth_only was accepted")
