"""The scheduler's durable state (the `jobs` table) and the numbers `newswatch status` shows.

Writes here are one transaction each, like db.store's; reads return data and never print.
"""
from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from db.schema import iso, parse_iso, write_transaction

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

# Check outcomes that mean "the page came back but no article could be read from it".
EXTRACTION_FAILED = ("(outcome = 'suspect' or (outcome = 'error' and "
                     "(error like 'no article text%' or error like 'no headline%')))")


# -- the jobs table (written by the daemon) ------------------------------------------------------
def job_started(db: sqlite_utils.Database, job: str, kind: str, source: str | None,
                at: datetime) -> None:
    with write_transaction(db):
        db.execute("insert into jobs (job, kind, source, last_started_at, updated_at) "
                   "values (?, ?, ?, ?, ?) on conflict(job) do update set "
                   "last_started_at = excluded.last_started_at, updated_at = excluded.updated_at",
                   [job, kind, source, iso(at), iso(at)])


def job_finished(db: sqlite_utils.Database, job: str, at: datetime, outcome: str,
                 crawl_id: int | None) -> None:
    with write_transaction(db):
        db.execute("update jobs set last_finished_at = ?, last_outcome = ?, last_crawl_id = ?, "
                   "updated_at = ? where job = ?", [iso(at), outcome, crawl_id, iso(at), job])


def save_next_runs(db: sqlite_utils.Database, next_runs: dict[str, tuple[str, str | None,
                   datetime | None]], pid: int | None, at: datetime) -> None:
    """{job: (kind, source, next run)} of a running daemon (pid), or pid None when it stopped."""
    with write_transaction(db):
        for job, (kind, source, next_run) in next_runs.items():
            db.execute("insert into jobs (job, kind, source, next_run_at, daemon_pid, updated_at) "
                       "values (?, ?, ?, ?, ?, ?) on conflict(job) do update set "
                       "next_run_at = excluded.next_run_at, daemon_pid = excluded.daemon_pid, "
                       "updated_at = excluded.updated_at",
                       [job, kind, source, iso(next_run) if next_run and pid else None, pid,
                        iso(at)])


def jobs(db: sqlite_utils.Database) -> dict[str, dict]:
    return {row["job"]: row for row in db.query("select * from jobs")}


def last_finished_discovery(db: sqlite_utils.Database, source: str) -> datetime | None:
    """When the last discovery of `source` that ran to its end started (by the daemon or by
    `newswatch crawl`); an interrupted one does not count, so it is run again."""
    row = db.execute(
        "select max(started_at) from crawls where kind = 'discover' and status = 'finished' and "
        f"{_covers_source()}", [source, source]).fetchone()
    return parse_iso(row[0]) if row else None


def pid_alive(pid: int) -> bool:
    """Whether process `pid` (a crawl row's) still runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def close_stale_crawls(db: sqlite_utils.Database, alive: Callable[[int], bool],
                       at: datetime) -> int:
    """Crawls still `running` whose process is gone (killed, power loss) become
    `stopped (interrupted)`: their fetches are recorded, the rest is due again."""
    stale = [r["id"] for r in db.query("select id, pid from crawls where status = 'running'")
             if not r["pid"] or not alive(r["pid"])]
    if stale:
        with write_transaction(db):
            db.execute(f"update crawls set status = 'stopped (interrupted)', finished_at = ? "
                       f"where id in ({','.join('?' * len(stale))})", [iso(at), *stale])
    return len(stale)


# -- status ----------------------------------------------------------------------------------
def _covers_source() -> str:
    # A crawl row names one source, a comma-separated list, or none (every source).
    return "(source is null or source = ? or ',' || source || ',' like '%,' || ? || ',%')"


def source_status(db: sqlite_utils.Database, source: str, now: datetime) -> dict:
    """What `newswatch status` shows for one source (articles, checks, last discovery)."""
    day_ago = iso(now - timedelta(days=1))
    by_status = {r["status"]: r["n"] for r in db.query(
        "select status, count(*) as n from articles where source = ? group by status", [source])}
    due = db.execute("select count(*) from articles where source = ? and next_check_at is not null "
                     "and next_check_at <= ?", [source, iso(now)]).fetchone()[0]
    # Every check of the source's URLs, new URLs that never gave an article included.
    checks = {r["outcome"]: r["n"] for r in db.query(
        "select c.outcome, count(*) as n from checks c where c.source = ? and c.checked_at >= ? "
        "group by c.outcome", [source, day_ago])}
    total = sum(checks.values())
    failed = sum(checks.get(o, 0) for o in ("missing", "blocked", "suspect", "error"))
    unchecked = db.execute("select count(*) from articles where source = ? and next_check_at is null "
                           "and status in ('live', 'restored')", [source]).fetchone()[0]
    last = next(db.query(
        "select id, started_at, finished_at, status, fetched, new, failed, error from crawls "
        f"where kind = 'discover' and {_covers_source()} order by id desc limit 1",
        [source, source]), None)
    return {"source": source, "tracked": sum(by_status.values()), "articles": by_status,
            "due_now": due, "checks_24h": total, "changes_24h": checks.get("changed", 0),
            "errors_24h": failed, "failed_by_outcome_24h": {o: checks[o] for o in
                                                            ("missing", "blocked", "suspect", "error") if o in checks},
            "error_rate": round(failed / total, 3) if total else None,
            "no_longer_checked": unchecked,
            "last_discovery": last}


def extraction_numbers(db: sqlite_utils.Database, source: str, since: datetime,
                       until: datetime) -> dict:
    """Checks, extraction failures, edits and the median body length of the versions captured
    between `since` and `until`, for comparing a source's recent extraction with its history."""
    window = [source, iso(since), iso(until)]
    row = db.execute(
        f"select count(*), coalesce(sum({EXTRACTION_FAILED}), 0), "
        "coalesce(sum(outcome = 'changed'), 0) from checks c join articles a on a.id = c.article_id "
        "where a.source = ? and c.checked_at >= ? and c.checked_at < ?", window).fetchone()
    lengths = [r[0] for r in db.execute(
        "select length(v.body) from versions v join articles a on a.id = v.article_id "
        "where a.source = ? and v.captured_at >= ? and v.captured_at < ? "
        "order by v.captured_at desc limit 2000", window)]
    return {"checks": row[0], "failed": row[1], "changed": row[2], "versions": len(lengths),
            "median_body": statistics.median(lengths) if lengths else None}


def tracked_sources(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("select distinct source from articles order by source")]


def due_count(db: sqlite_utils.Database, now: datetime, sources: Iterable[str] | None = None) -> int:
    where, params = "next_check_at is not null and next_check_at <= ?", [iso(now)]
    if sources is not None:
        sources = list(sources)
        where += f" and source in ({','.join('?' * len(sources))})"
        params += sources
    return db.execute(f"select count(*) from articles where {where}", params).fetchone()[0]
