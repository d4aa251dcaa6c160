"""The distributed protocol (crawler/distributed/protocol.py): every message survives its JSON form,
and a message that is not one is refused with ValueError (the worker skips it, ingest sets it aside)."""
from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime, timezone

import pytest

from crawler.distributed.protocol import Heartbeat, Result, WorkItem
from db.store import Content, Fetch

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("item", [
    WorkItem("discover", "https://a.example/feed", "a", "discover:a:20260301T120000.000000Z", parser="feed"),
    WorkItem("recheck", "https://a.example/n/1", "a", "recheck:20260301T120000.000000Z",
             etag='"v1"', last_modified="Sun, 01 Mar 2026 11:00:00 GMT", raw_hash="ab12"),
])
def test_work_items_round_trip(item):
    assert WorkItem.from_json(item.to_json()) == item


def test_a_recheck_item_carries_what_a_local_recheck_reads():
    item = WorkItem("recheck", "https://a.example/n/1", "a", etag='"v1"', raw_hash="ab12")
    assert json.loads(item.to_json()).keys() == {"kind", "url", "source", "cycle", "etag",
                                                 "last_modified", "raw_hash"}
    assert item.known() == {"etag": '"v1"', "last_modified": None, "raw_hash": "ab12"}


@pytest.mark.parametrize("text", ['{"kind": "fetch", "url": "u", "source": "a"}',
                                  '{"kind": "discover", "url": "u", "source": "a", "parser": "rss"}',
                                  '{"kind": "recheck", "source": "a"}', "not json"])
def test_bad_work_items_are_refused(text):
    with pytest.raises((ValueError, KeyError)):
        WorkItem.from_json(text)


def test_results_round_trip():
    fetch = Fetch(url="https://a.example/n/1", source="a", checked_at=NOW, http_status=200, raw_hash="ab")
    content = Content(title="T", byline="", body="B é", raw_html=b"<html>\xff</html>")
    results = [Result("fetch", "r1", "recheck:x", NOW, fetch, content),
               Result("fetch", "r2", None, NOW, fetch, None),
               Result("hint", "r3", pushed_at=NOW, url=fetch.url, changed_at=NOW),
               Result("page", "r4", "discover:a:x", NOW, url="https://a.example/feed", error="HTTP 500")]
    for result in results:
        back = Result.from_json(result.to_json())
        assert replace(back, content=None) == replace(result, content=None)
        if result.content is not None:  # entries come back as a list (JSON has no tuples)
            assert asdict(back.content) == {**asdict(result.content), "entries": []}
    with pytest.raises(ValueError, match="unknown result type"):
        Result.from_json('{"type": "nonsense", "result_id": "r5"}')


def test_heartbeats_round_trip():
    beat = Heartbeat("host:12", "2026-03-01T12:00:00+00:00", "2026-03-01T12:00:10+00:00", 7)
    assert Heartbeat.from_json(beat.to_json()) == beat
