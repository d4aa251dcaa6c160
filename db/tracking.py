"""Stop tracking (`newswatch remove`): untrack articles, keeping their history, or purge them with
every row that refers to them; and the per-source counts `newswatch sources` lists."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from db.schema import iso, write_transaction

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

UNTRACKED = "untracked"
# The tables holding an article's rows, children first (a row is deleted before what it refers to).
_BY_VERSION = ("change_records", "version_html", "notifications")
_BY_ARTICLE = ("page_saves", "live_changes", "live_entries", "notifications", "change_records", "versions_superseded", "events", "aliases",
               "checks", "versions")


def untrack(db: sqlite_utils.Database, article_ids: list[int], at: datetime, detail: str) -> int:
    """No more re-checks for these articles (next_check_at null, status `untracked`, an event
    with `detail`); their versions, checks and change records stay. Returns how many changed."""
    changed = 0
    with write_transaction(db):
        for article_id in article_ids:
            row = db.execute("select status from articles where id = ?", [article_id]).fetchone()
            if row is None or row[0] == UNTRACKED:
                continue
            db.execute("update articles set next_check_at = null, status = ?, status_since = ?, "
                       "status_detail = ? where id = ?", [UNTRACKED, iso(at), detail, article_id])
            db.execute("insert into events (article_id, at, kind, old, new, detail) "
                       "values (?, ?, 'status', ?, ?, ?)", [article_id, iso(at), row[0], UNTRACKED, detail])
            changed += 1
    return changed


def purge(db: sqlite_utils.Database, article_ids: list[int]) -> dict[str, int]:
    """Delete these articles and every row of theirs, in one transaction; rows deleted per table."""
    deleted: dict[str, int] = {}
    tables = set(db.table_names())
    with write_transaction(db):
        for article_id in article_ids:
            versions = "(select id from versions where article_id = ?)"
            for table in _BY_VERSION:
                if table in tables:
                    _count(deleted, table, db.execute(
                        f"delete from {table} where version_id in {versions}", [article_id]).rowcount)
            for table in _BY_ARTICLE:
                if table in tables:
                    _count(deleted, table, db.execute(
                        f"delete from {table} where article_id = ?", [article_id]).rowcount)
            _count(deleted, "articles", db.execute("delete from articles where id = ?",
                                                   [article_id]).rowcount)
    return deleted


def _count(totals: dict[str, int], table: str, rows: int) -> None:
    if rows:
        totals[table] = totals.get(table, 0) + rows


def source_article_ids(db: sqlite_utils.Database, source: str) -> list[int]:
    return [r[0] for r in db.execute("select id from articles where source = ? order by id", [source])]


def source_counts(db: sqlite_utils.Database, source: str) -> dict:
    """Articles by status, versions, and the last discovery of `source`."""
    by_status = {r[0]: r[1] for r in db.execute(
        "select status, count(*) from articles where source = ? group by status", [source])}
    versions = db.execute("select count(*) from versions v join articles a on a.id = v.article_id "
                          "where a.source = ?", [source]).fetchone()[0]
    last = db.execute(
        "select max(started_at) from crawls where kind = 'discover' and (source is null or "
        "source = ? or ',' || source || ',' like '%,' || ? || ',%')", [source, source]).fetchone()[0]
    return {"articles": sum(by_status.values()),
            "tracked": sum(n for s, n in by_status.items() if s != UNTRACKED),
            "by_status": by_status, "versions": versions, "last_discovery": last}
