"""Schema and migrations; `open_db(path)` gives a migrated database in WAL mode."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

# A writer waits this long for another writer (the scheduler's child crawls, `ingest`) before
# SQLite says "database is locked"; readers never wait in WAL mode.
BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """The file is not a newswatch database we can use."""

    def __init__(self, path: str | Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


def open_db(path: str | Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at `path`; WAL, busy timeout set."""
    path = Path(path)
    try:
        if readonly:
            if not path.exists():
                raise DatabaseError(path, "no such database (run `newswatch crawl` first)")
            db = _open_readonly(path)
            if pending_migrations(db):  # an older database: migrate once, then read
                db.close()
                open_db(path).close()
                db = _open_readonly(path)
            return db
        db = sqlite_utils.Database(path)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")  # safe in WAL: a crash loses at most the last commit
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        return db
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(path, f"not a usable SQLite database ({exc})") from exc


def _open_readonly(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One all-or-nothing write. IMMEDIATE takes the write lock up front so that a
    read-then-write never fails half-way with SQLITE_BUSY (deferred upgrade)."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def _m001_core(db: sqlite_utils.Database) -> None:
    """articles, versions, checks, crawls, full-text search, the changes view."""
    db["crawls"].create({
        "id": int, "kind": str, "source": str, "started_at": str, "finished_at": str,
        "status": str, "pid": int, "fetched": int, "new": int, "changed": int,
        "unchanged": int, "failed": int, "error": str,
    }, pk="id", not_null={"kind", "started_at", "status"},
        defaults={"status": "running", "fetched": 0, "new": 0, "changed": 0, "unchanged": 0, "failed": 0})
    db["articles"].create({
        "id": int, "url": str, "source": str, "first_seen": str, "last_checked": str,
        "next_check_at": str, "last_changed": str, "status": str, "current_version_id": int,
        "version_count": int, "title": str, "published": str,
    }, pk="id", not_null={"url", "source", "first_seen", "status"},
        defaults={"status": "live", "version_count": 0})
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["next_check_at"])
    db["articles"].create_index(["source"])
    db["versions"].create({
        "id": int, "article_id": int, "version": int, "captured_at": str, "title": str,
        "byline": str, "published": str, "modified": str, "body": str, "content_hash": str,
        "words_added": int, "words_removed": int, "title_changed": int, "byline_changed": int,
        "body_changed": int, "cleaner_version": str, "check_id": int,
    }, pk="id", foreign_keys=[("article_id", "articles", "id")],
        not_null={"article_id", "version", "captured_at", "content_hash"})
    db["versions"].create_index(["article_id", "version"], unique=True)
    db["versions"].create_index(["captured_at"])
    db["checks"].create({
        "id": int, "article_id": int, "url": str, "crawl_id": int, "checked_at": str,
        "http_status": int, "outcome": str, "error": str, "version_id": int, "duration_ms": int,
    }, pk="id", foreign_keys=[("article_id", "articles", "id"), ("crawl_id", "crawls", "id")],
        not_null={"url", "checked_at", "outcome"})
    db["checks"].create_index(["article_id", "checked_at"])
    db["checks"].create_index(["checked_at"])
    db["checks"].create_index(["crawl_id"])
    db["versions"].enable_fts(["title", "body"], create_triggers=True, tokenize="unicode61")
    db.create_view("changes", CHANGES_VIEW)


# One row per edit: every version after the first, with the version it replaced.
CHANGES_VIEW = """
select
  v.id as version_id, p.id as previous_version_id, a.id as article_id, a.url, a.source,
  v.version, v.captured_at, p.captured_at as previous_captured_at,
  v.title, p.title as previous_title,
  v.title_changed, v.byline_changed, v.body_changed,
  v.words_added, v.words_removed
from versions v
join versions p on p.article_id = v.article_id and p.version = v.version - 1
join articles a on a.id = v.article_id
"""

# Applied in this order; each is recorded by name in `_migrations`, so migrations added by
# separate changes never collide on a number. Append new ones at the end.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m001_core]


def pending_migrations(db: sqlite_utils.Database) -> list[Callable[[sqlite_utils.Database], None]]:
    if "_migrations" not in db.table_names():
        return list(MIGRATIONS)
    done = {r[0] for r in db.execute("select name from _migrations")}
    return [m for m in MIGRATIONS if m.__name__ not in done]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations, each in its own transaction; returns how many ran."""
    pending = pending_migrations(db)
    for step in pending:
        with write_transaction(db):
            db.execute("create table if not exists _migrations (name text primary key, applied_at text)")
            step(db)
            db.execute("insert into _migrations (name, applied_at) values (?, datetime('now'))",
                       [step.__name__])
    return len(pending)
