"""Distributed results: writing a batch of them in one transaction.

A worker cannot write SQLite; it sends each fetch as JSON (crawler.distributed.protocol.Result).
`newswatch ingest` writes them with `write_batch`: one transaction per batch, idempotent, so
that a batch replayed after a crash (its items left Redis only after COMMIT) changes nothing:

- each result has an idempotency key (`result_id`, a uuid) kept on its `checks` row under a
  unique index: a result whose key is already there is skipped (no second check row);
- versions are keyed by article + content hash anyway: the same content twice is `unchanged`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from db.store import COUNTED_AS, FetchResult, Rules, Schedule, hint_recheck_in, record_fetch_in
from db.schema import each_all_or_nothing, iso, write_transaction

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils


def write_batch(db: sqlite_utils.Database, results: Sequence, schedule: Schedule,
                rules: Rules = Rules()) -> list[FetchResult | Exception]:
    """Write `results` (crawler.distributed.protocol.Result: db imports nothing of ours, it
    reads their attributes) in ONE transaction, each all-or-nothing: what became of each
    (`FetchResult.version_id` is the new version's, for notifications) — its check outcome,
    `replayed` for a result already written (same result_id), `hinted` / `hint_ignored` for
    hints, `discovery_page` / `discovery_failed` for discovery pages — or, for a result whose
    write failed and was rolled back alone, the exception."""
    now = datetime.now(timezone.utc)
    with write_transaction(db):
        return each_all_or_nothing(db, results, lambda r: _write_one(db, r, now, schedule, rules))


def _write_one(db: sqlite_utils.Database, result, now: datetime, schedule: Schedule,
               rules: Rules) -> FetchResult:
    if result.kind == "hint":
        hinted = hint_recheck_in(db, result.url, now, result.changed_at)
        return FetchResult("hinted" if hinted else "hint_ignored")
    if result.kind == "page":  # discovery: the cycle's crawl row, and its failures
        crawl_id = _cycle_crawl(db, result.cycle, result.pushed_at or now)
        if crawl_id is not None and result.error:
            db.execute("update crawls set error = substr(coalesce(error || '; ', '') || ?, 1, "
                       "2000) where id = ?", [f"{result.url}: {result.error}", crawl_id])
        return FetchResult("discovery_failed" if result.error else "discovery_page")
    if db.execute("select 1 from checks where result_id = ?", [result.result_id]).fetchone():
        return FetchResult("replayed")
    crawl_id = _cycle_crawl(db, result.cycle, result.fetch.checked_at)
    fetch = replace(result.fetch, crawl_id=crawl_id, result_id=result.result_id)
    written = record_fetch_in(db, fetch, result.content, schedule, rules)
    _count(db, crawl_id, written.outcome, fetch.checked_at)
    return written


def _cycle_crawl(db: sqlite_utils.Database, cycle: str | None, at: datetime) -> int | None:
    """The `crawls` row of a distributed cycle, created by its first result. It is `finished`
    from the start (no process owns it to be found dead) and counts what ingest has written."""
    if not cycle:
        return None
    row = db.execute("select id from crawls where cycle = ?", [cycle]).fetchone()
    if row:
        return row[0]
    kind, _, rest = cycle.partition(":")
    source, _, started = rest.rpartition(":") if kind == "discover" else ("", "", rest)
    # the cycle's time is the last part, written by the coordinator as "%Y%m%dT%H%M%S.%fZ"
    started_at = _cycle_time(started) or at
    cursor = db.execute(
        "insert into crawls (kind, source, started_at, finished_at, status, cycle) "
        "values (?, ?, ?, ?, 'finished', ?)",
        [kind, source or None, iso(started_at), iso(at), cycle])
    return cursor.lastrowid


def _cycle_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _count(db: sqlite_utils.Database, crawl_id: int | None, outcome: str, at: datetime) -> None:
    if crawl_id is None:
        return
    column = COUNTED_AS.get(outcome, "failed")
    db.execute(f"update crawls set fetched = fetched + 1, {column} = {column} + 1, "
               "finished_at = max(coalesce(finished_at, ''), ?) where id = ?", [iso(at), crawl_id])
