"""Image captions are versioned apart from the body: a caption edit is a labelled change of its
own, and a page without captions hashes as it always did."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.recheck.policy import schedule_for
from crawler.sources import Tier
from db.schema import open_db
from db.store import Content, Fetch, content_hash, record_fetch

BODY = "\n".join(f"Paragraph {i}: the harbour reopened after the storm, officials said." for i in range(6))
SCHEDULE = schedule_for([Tier(younger_than=86400 * 30, every=3600)])
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def fetch(n: int) -> Fetch:
    return Fetch(url="https://news.example/harbour", source="demo", http_status=200,
                 checked_at=T0 + timedelta(hours=n), raw_hash=f"page{n}")


def test_a_caption_edit_is_a_change_of_its_own(tmp_path):
    db = open_db(tmp_path / "n.db")
    first = record_fetch(db, fetch(0), Content("Harbour reopens", "", BODY, captions="Boats return."), SCHEDULE)
    same = record_fetch(db, fetch(1), Content("Harbour reopens", "", BODY, captions="Boats  return."), SCHEDULE)
    edited = record_fetch(db, fetch(2), Content("Harbour reopens", "", BODY,
                                                captions="Fishing boats return on Monday."), SCHEDULE)
    assert (first.outcome, same.outcome, edited.outcome) == ("new", "unchanged", "changed")
    version = db.execute("select captions, captions_changed, body_changed, words_added from versions "
                         "where version = 2").fetchone()
    assert version == ("Fishing boats return on Monday.", 1, 0, 0)
    record = db.execute("select captions_changed, body_changed, minor from change_records").fetchone()
    assert record == (1, 0, 0)
    assert db.execute("select captions_changed from changes").fetchone() == (1,)


def test_a_page_without_captions_hashes_as_before():
    assert content_hash("T", "B", "body") == content_hash("T", "B", "body", "")
    assert content_hash("T", "B", "body") != content_hash("T", "B", "body", "A caption.")
