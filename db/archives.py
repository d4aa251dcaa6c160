"""Where each version's WARC capture is (versions.warc_file / warc_offset / warc_length): the
pointer written once the records are on disk, and the selections `archive` and `export` read."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from db.schema import write_transaction
from db.where import Where


def record_capture(db: sqlite_utils.Database, version_id: int, file: str, offset: int,
                   length: int) -> None:
    """Point the version at its records (call only after they were fsynced)."""
    with write_transaction(db):
        db.execute("update versions set warc_file = ?, warc_offset = ?, warc_length = ? where id = ?",
                   [file, offset, length, version_id])


def captures_of(db: sqlite_utils.Database, article_id: int) -> list[dict]:
    """The article's versions, oldest first, with their capture (warc_file None: not captured)."""
    return list(db.query(
        "select v.id, v.version, v.captured_at, v.warc_file, v.warc_offset, v.warc_length "
        "from versions v where v.article_id = ? order by v.version", [article_id]))


def selected_captures(db: sqlite_utils.Database, *, source: str | None = None,
                      since: datetime | None = None, article_id: int | None = None) -> Iterable[dict]:
    """The captured versions of a selection (a source, a time range, an article), oldest first."""
    where = Where("v.warc_file is not null").equals("a.source", source).since("v.captured_at", since)
    where.equals("v.article_id", article_id)
    return db.query(
        "select a.url, v.version, v.title, v.captured_at, v.warc_file, v.warc_offset, v.warc_length "
        f"from versions v join articles a on a.id = v.article_id{where} order by v.captured_at, v.id", where.params)
