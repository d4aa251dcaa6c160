"""The notification outbox: queue a message per edit and target, claim due ones, record
how each send went. Sending itself is the crawler's job (`crawler.notifications`)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from db.schema import iso, write_transaction

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

# A target that failed this many times is given up on (status `failed`); each crawl retries once.
MAX_ATTEMPTS = 8
# A row claimed by a crawl that died while sending is claimable again after this long.
STALE_CLAIM = timedelta(minutes=10)
# pending: waiting for its (next) attempt · sending: claimed by a running crawl ·
# sent: delivered · failed: given up (too many attempts, or the target left the sources file)
STATUSES = ("pending", "sending", "sent", "failed")


def edit_for_notification(db: sqlite_utils.Database, version_id: int) -> dict | None:
    """The `changes` row of an edit (None for a first version: nothing changed)."""
    return next(db.query("select * from changes where version_id = ?", [version_id]), None)


def queue(db: sqlite_utils.Database, edit: dict, targets: Iterable[tuple[str, str]], title: str,
          body: str, now: datetime) -> list[int]:
    """One pending row per (edit, target); `targets` are (hash, redacted label). Returns new ids."""
    ids = []
    with write_transaction(db):
        for target_hash, label in targets:
            cursor = db.execute(
                "insert or ignore into notifications (version_id, article_id, source, target_hash, "
                "target, status, attempts, created_at, title, body) "
                "values (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
                [edit["version_id"], edit["article_id"], edit["source"], target_hash, label, iso(now),
                 title, body])
            if cursor.rowcount:
                ids.append(cursor.lastrowid)
    return ids


def claim(db: sqlite_utils.Database, now: datetime, ids: Iterable[int] | None = None) -> list[dict]:
    """Take the rows to send now (the given ids, or every due one): pending, or left `sending` by
    a crawl that died. Claimed rows become `sending`, so two crawls never send one twice."""
    stale = iso(now - STALE_CLAIM)
    where = "(status = 'pending' or (status = 'sending' and last_attempt_at < ?)) and attempts < ?"
    params: list = [stale, MAX_ATTEMPTS]
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        where += f" and id in ({','.join('?' * len(ids))})"
        params += ids
    with write_transaction(db):
        rows = list(db.query(f"select * from notifications where {where} order by id", params))
        for row in rows:
            db.execute("update notifications set status = 'sending', attempts = attempts + 1, "
                       "last_attempt_at = ? where id = ?", [iso(now), row["id"]])
            row["attempts"] += 1
    return rows


def record_attempt(db: sqlite_utils.Database, notification_id: int, now: datetime, *,
                   error: str | None = None, give_up: bool = False) -> str:
    """After a send: `sent`, or back to `pending` for the next crawl (`failed` once it has had
    MAX_ATTEMPTS attempts, or with `give_up`). Returns the new status."""
    with write_transaction(db):
        attempts = db.execute("select attempts from notifications where id = ?",
                              [notification_id]).fetchone()[0]
        status = "sent" if error is None else \
            "failed" if give_up or attempts >= MAX_ATTEMPTS else "pending"
        db.execute("update notifications set status = ?, error = ?, sent_at = ? where id = ?",
                   [status, error, iso(now) if error is None else None, notification_id])
    return status
