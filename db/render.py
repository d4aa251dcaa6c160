"""Browser rendering's records: whether a source's pages need a browser (`render = "auto"`
decides once per source), and where each version's screenshot is."""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from db.schema import iso, write_transaction


def render_decisions(db: sqlite_utils.Database) -> dict[str, bool]:
    """Source name -> whether its pages need a browser, for the sources decided so far."""
    return {row[0]: bool(row[1]) for row in db.execute("select source, needed from render_decisions")}


def remember_render(db: sqlite_utils.Database, source: str, needed: bool, url: str,
                    at: datetime) -> None:
    """Record what the page at `url` showed: the source's pages need a browser, or not."""
    with write_transaction(db):
        db.execute("insert into render_decisions (source, needed, decided_at, url) values (?, ?, ?, ?) "
                   "on conflict (source) do update set needed = excluded.needed, "
                   "decided_at = excluded.decided_at, url = excluded.url",
                   [source, int(needed), iso(at), url])


def record_screenshot(db: sqlite_utils.Database, version_id: int, file: str, size: int,
                      at: datetime) -> None:
    """Point the version at its screenshot (call only once the PNG is on disk)."""
    with write_transaction(db):
        db.execute("insert or replace into screenshots (version_id, file, taken_at, bytes) "
                   "values (?, ?, ?, ?)", [version_id, file, iso(at), size])


def screenshots_of(db: sqlite_utils.Database, version_ids: list[int]) -> dict[int, str]:
    """Version id -> its screenshot's file (under archive/), for the versions that have one."""
    from db.queries import in_chunks

    if "screenshots" not in db.table_names():  # a database opened read-only, not migrated yet
        return {}
    return {row[0]: row[1] for row in in_chunks(
        db, "select version_id, file from screenshots where version_id in ({marks})", version_ids)}
