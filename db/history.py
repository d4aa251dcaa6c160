"""Rebuild an article's versions from re-cleaned pages (`newswatch reclean`); the old rows are kept
in `versions_superseded` with their cleaner_version, never lost."""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from db.changes import record_change
from db.schema import write_transaction
from db.store import Content, content_hash, normalize_body, normalize_line, word_delta

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils


@dataclass
class Rebuilt:
    """One version of the rebuilt history and the old versions it stands for (oldest first)."""

    content: Content
    captured_at: str
    check_id: int | None
    old_ids: list[int]

    @property
    def digest(self) -> str:
        return content_hash(self.content.title, self.content.byline, self.content.body)


def stored_pages(db: sqlite_utils.Database, article_id: int) -> list[dict] | None:
    """The article's versions with the page each was cleaned from; None when one has no page."""
    rows = list(db.query(
        "select v.id, v.version, v.captured_at, v.check_id, v.content_hash, h.codec, h.html "
        "from versions v left join version_html h on h.version_id = v.id "
        "where v.article_id = ? order by v.version", [article_id]))
    if not rows or any(r["html"] is None for r in rows):
        return None
    for row in rows:
        row["html"] = zlib.decompress(row.pop("html"))
    return rows


def replace_versions(db: sqlite_utils.Database, article_id: int, rebuilt: list[Rebuilt],
                     superseded_at: str) -> list[int]:
    """Move the article's versions to `versions_superseded` and write `rebuilt` as versions
    1..n (with their change records); returns the new version ids."""
    with write_transaction(db):
        kept = [c for c in db["versions_superseded"].columns_dict if c != "superseded_at"]
        kept = [c for c in kept if c in db["versions"].columns_dict]
        db.execute(f"insert into versions_superseded ({', '.join(kept)}, superseded_at) "
                   f"select {', '.join(kept)}, ? from versions where article_id = ?",
                   [superseded_at, article_id])
        db.execute("delete from change_records where article_id = ?", [article_id])
        db.execute("delete from versions where article_id = ?", [article_id])
        # Fresh ids, never an old one again: superseded rows, pages and checks keep meaning one thing.
        next_id = max(db.execute("select coalesce(max(id), 0) from versions").fetchone()[0],
                      db.execute("select coalesce(max(id), 0) from versions_superseded").fetchone()[0]) + 1
        previous, ids = None, []
        for number, item in enumerate(rebuilt, start=1):
            version_id = _insert_version(db, next_id + number - 1, article_id, number, item, previous)
            record_change(db, article_id, version_id, previous, _fields(item.content), item.captured_at)
            marks = ",".join("?" * len(item.old_ids))
            db.execute("update version_html set version_id = ? where version_id = ?",
                       [version_id, item.old_ids[0]])
            db.execute(f"update checks set version_id = ? where version_id in ({marks})",
                       [version_id, *item.old_ids])
            previous = {"id": version_id, **_fields(item.content)}
            ids.append(version_id)
        db.execute("update articles set current_version_id = ?, version_count = ?, title = ? "
                   "where id = ?", [ids[-1], len(ids), previous["title"], article_id])
    return ids


def _fields(content: Content) -> dict:
    return {"title": normalize_line(content.title), "byline": normalize_line(content.byline),
            "body": normalize_body(content.body), "published": content.published}


def _insert_version(db, version_id: int, article_id: int, number: int, item: Rebuilt,
                    previous: dict | None) -> int:
    new = _fields(item.content)
    if previous is None:
        flags = (word_delta("", f"{new['title']}\n{new['body']}")[0], 0, 0, 0, 0)
    else:
        added, removed = word_delta(f"{previous['title']}\n{previous['body']}",
                                    f"{new['title']}\n{new['body']}")
        flags = (added, removed, *(int(previous[f] != new[f]) for f in ("title", "byline", "body")))
    return db.execute(
        "insert into versions (id, article_id, version, captured_at, title, byline, published, modified, "
        "body, content_hash, words_added, words_removed, title_changed, byline_changed, body_changed, "
        "cleaner_version, check_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [version_id, article_id, number, item.captured_at, new["title"], new["byline"], new["published"],
         item.content.modified, new["body"], item.digest, *flags, item.content.cleaner_version,
         item.check_id]).lastrowid
