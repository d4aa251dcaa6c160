"""The Save Page Now outbox: a row per new version to submit to a web archive's save endpoint,
claimed one at a time under the archive's rate limit, retried with back-off, and the capture it
led to. Talking to the archive is the crawler's job (`crawler.save_page_now`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from db.notifications import MAX_ATTEMPTS, STALE_CLAIM
from db.schema import iso, parse_iso, write_transaction

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

__all__ = ["MAX_ATTEMPTS", "STALE_CLAIM", "STATUSES", "Claim", "claim", "queue", "record_failure",
           "record_polled", "record_saved", "record_submitted", "retry_failed", "summary", "to_poll",
           "waiting"]

# pending: waiting for its (next) attempt · sending: being submitted · submitted: the archive
# accepted the job, its capture is not confirmed yet · saved: the archive's capture timestamp is
# known · failed: given up (MAX_ATTEMPTS attempts, or refused); the last error is kept
STATUSES = ("pending", "sending", "submitted", "saved", "failed")
WINDOW = timedelta(minutes=1)  # the archive counts captures over the last 60 seconds
BACKOFF, MAX_BACKOFF = timedelta(minutes=1), timedelta(hours=6)
POLL_EVERY = timedelta(seconds=10)  # a submitted job's status is asked at most this often...
POLL_FOR = timedelta(hours=1)  # ...for this long; after that it stays `submitted`, unconfirmed
IN_FLIGHT_WAIT = 2.0  # seconds: another process is submitting one right now


@dataclass(frozen=True)
class Claim:
    """The row to submit now, or None and how many seconds until one may be (None: none waits)."""

    row: dict | None
    wait: float | None = None


def queue(db: sqlite_utils.Database, version_id: int, now: datetime) -> int | None:
    """One pending row for a version of our own crawl (never an archive's); its id, or None
    when it is queued already or is not such a version."""
    with write_transaction(db):
        cursor = db.execute(
            "insert or ignore into page_saves (version_id, article_id, source, url, created_at) "
            "select v.id, a.id, a.source, a.url, ? from versions v join articles a on a.id = v.article_id "
            "where v.id = ? and v.origin = 'crawl'", [iso(now), version_id])
    return cursor.lastrowid if cursor.rowcount else None


def claim(db: sqlite_utils.Database, now: datetime, per_minute: int) -> Claim:
    """Take the next due row (`sending`), unless one is being submitted, the archive asked us to
    wait, or `per_minute` submissions were made in the last minute: one at a time, across
    processes, since the check and the claim share one write transaction."""
    with write_transaction(db):
        if wait := _wait_before_claim(db, now, per_minute):
            return Claim(None, wait)
        row = next(db.query(
            "select * from page_saves where ((status = 'pending' and coalesce(next_attempt_at, '') <= ?) "
            "or (status = 'sending' and last_attempt_at < ?)) and attempts < ? order by id limit 1",
            [iso(now), iso(now - STALE_CLAIM), MAX_ATTEMPTS]), None)
        if row is None:
            later = db.execute("select min(next_attempt_at) from page_saves where status = 'pending'"
                               ).fetchone()[0]
            return Claim(None, _seconds_until(later, now) if later else None)
        db.execute("update page_saves set status = 'sending', attempts = attempts + 1, "
                   "last_attempt_at = ?, job_id = null where id = ?", [iso(now), row["id"]])
    return Claim({**row, "attempts": row["attempts"] + 1, "status": "sending"})


def _wait_before_claim(db: sqlite_utils.Database, now: datetime, per_minute: int) -> float | None:
    """Seconds to wait before anything may be submitted (in flight, archive resting, rate)."""
    if db.execute("select 1 from page_saves where status = 'sending' and last_attempt_at >= ?",
                  [iso(now - STALE_CLAIM)]).fetchone():
        return IN_FLIGHT_WAIT
    last = db.execute("select status, archive_unavailable, next_attempt_at from page_saves "
                      "where last_attempt_at is not null order by last_attempt_at desc, id desc "
                      "limit 1").fetchone()
    if last and last[0] == "pending" and last[1] and last[2] > iso(now):
        return _seconds_until(last[2], now)  # the archive was unavailable: it rests, whole
    recent = db.execute("select count(*), min(last_attempt_at) from page_saves where last_attempt_at > ?",
                        [iso(now - WINDOW)]).fetchone()
    if recent[0] >= per_minute:
        return max(1.0, _seconds_until(recent[1], now - WINDOW))
    return None


def record_submitted(db: sqlite_utils.Database, save_id: int, now: datetime, job_id: str) -> None:
    """The archive accepted the job; its status is polled (to_poll) for the capture."""
    with write_transaction(db):
        db.execute("update page_saves set status = 'submitted', job_id = ?, submitted_at = ?, "
                   "polled_at = null, error = null, archive_unavailable = 0 where id = ?",
                   [job_id, iso(now), save_id])


def record_saved(db: sqlite_utils.Database, save_id: int, now: datetime, timestamp: str,
                 capture_url: str) -> None:
    """The archive's capture: on the row and on its version (versions.spn_timestamp, spn_url)."""
    with write_transaction(db):
        db.execute("update page_saves set status = 'saved', saved_at = ?, capture_timestamp = ?, "
                   "submitted_at = coalesce(submitted_at, ?), error = null, archive_unavailable = 0 "
                   "where id = ?", [iso(now), timestamp, iso(now), save_id])
        db.execute("update versions set spn_timestamp = ?, spn_url = ? where id = "
                   "(select version_id from page_saves where id = ?)", [timestamp, capture_url, save_id])


def record_failure(db: sqlite_utils.Database, save_id: int, now: datetime, error: str, *,
                   archive_unavailable: bool = False, retry_after: float | None = None,
                   give_up: bool = False) -> str:
    """A failed attempt: back to `pending` after a back-off (at least the archive's Retry-After),
    or `failed` with `give_up` or after MAX_ATTEMPTS. Returns the new status."""
    with write_transaction(db):
        attempts = db.execute("select attempts from page_saves where id = ?", [save_id]).fetchone()[0]
        status = "failed" if give_up or attempts >= MAX_ATTEMPTS else "pending"
        wait = min(BACKOFF * 2 ** max(0, attempts - 1), MAX_BACKOFF)
        if retry_after is not None:  # RFC 9110 section 10.2.3: not before then, and never twice a minute
            wait = max(BACKOFF, timedelta(seconds=min(retry_after, MAX_BACKOFF.total_seconds())))
        db.execute("update page_saves set status = ?, error = ?, next_attempt_at = ?, "
                   "archive_unavailable = ? where id = ?",
                   [status, error[:300], iso(now + wait), int(archive_unavailable), save_id])
    return status


def to_poll(db: sqlite_utils.Database, now: datetime) -> tuple[dict | None, float | None]:
    """A submitted row whose job status is due to be asked, else None and the seconds until one is."""
    rows = list(db.query("select * from page_saves where status = 'submitted' and submitted_at > ? "
                         "order by coalesce(polled_at, '') limit 1", [iso(now - POLL_FOR)]))
    if not rows:
        return None, None
    polled = parse_iso(rows[0]["polled_at"])
    if polled is None or polled + POLL_EVERY <= now:
        return rows[0], None
    return None, (polled + POLL_EVERY - now).total_seconds()


def record_polled(db: sqlite_utils.Database, save_id: int, now: datetime) -> None:
    with write_transaction(db):
        db.execute("update page_saves set polled_at = ? where id = ?", [iso(now), save_id])


def retry_failed(db: sqlite_utils.Database) -> int:
    """Failed rows start over (attempts 0, due now); how many."""
    with write_transaction(db):
        return db.execute("update page_saves set status = 'pending', attempts = 0, "
                          "next_attempt_at = null, archive_unavailable = 0 where status = 'failed'"
                          ).rowcount


def summary(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows by status, every status present (0 when none)."""
    counts = dict(db.execute("select status, count(*) from page_saves group by status").fetchall())
    return {status: counts.get(status, 0) for status in STATUSES}


def _seconds_until(moment: str, now: datetime) -> float:
    return max(0.0, (parse_iso(moment) - now).total_seconds())


def waiting(db: sqlite_utils.Database, limit: int = 50) -> list[dict]:
    """Rows not saved yet (pending, sending, submitted, failed), oldest first."""
    return list(db.query("select id, version_id, url, status, attempts, created_at, last_attempt_at, "
                         "next_attempt_at, job_id, error from page_saves where status != 'saved' "
                         "order by id limit ?", [limit]))
