"""Rewrites of an article's stored history: rebuilt from re-cleaned pages (`newswatch reclean`), or
with versions that were not the article taken out (`newswatch doctor`). The old rows are kept in
`versions_superseded`, never lost."""
from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from db.changes import record_change
from db.schema import write_transaction
from db.store import Content, change_flags, content_hash, normalize_body, normalize_line

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
        return content_hash(self.content.title, self.content.byline, self.content.body,
                            self.content.captions)


def stored_pages(db: sqlite_utils.Database, article_id: int,
                 read_capture: Callable[[dict], bytes] | None = None) -> list[dict] | None:
    """The article's versions with the page each was cleaned from (from version_html, else from
    its WARC capture through `read_capture(row)`); None when one has no page."""
    rows = list(db.query(
        "select v.id, v.version, v.captured_at, v.check_id, v.content_hash, h.codec, h.html, "
        "v.warc_file, v.warc_offset, v.warc_length "
        "from versions v left join version_html h on h.version_id = v.id "
        "where v.article_id = ? order by v.version", [article_id]))
    has_page = lambda r: r["html"] is not None or (r["warc_file"] and read_capture)  # noqa: E731
    if not rows or not all(has_page(r) for r in rows):
        return None
    for row in rows:
        html = row.pop("html")
        row["html"] = zlib.decompress(html) if html is not None else read_capture(row)
    return rows


def replace_versions(db: sqlite_utils.Database, article_id: int, rebuilt: list[Rebuilt],
                     superseded_at: str, reason: str = "re-cleaned") -> list[int]:
    """Move the article's versions to `versions_superseded` and write `rebuilt` as versions
    1..n (with their change records); returns the new version ids."""
    with write_transaction(db):
        kept = [c for c in db["versions_superseded"].columns_dict if c != "superseded_at"]
        kept = [c for c in kept if c in db["versions"].columns_dict]
        db.execute(f"insert into versions_superseded ({', '.join(kept)}, superseded_at, "
                   f"superseded_reason) select {', '.join(kept)}, ?, ? from versions where article_id = ?",
                   [superseded_at, reason, article_id])
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
            # the WARC capture of the page the version was cleaned from goes with it, like its html
            db.execute("update versions set (warc_file, warc_offset, warc_length) = (select warc_file, "
                       "warc_offset, warc_length from versions_superseded where id = ? "
                       "order by superseded_at desc limit 1) where id = ?", [item.old_ids[0], version_id])
            db.execute(f"update checks set version_id = ? where version_id in ({marks})",
                       [version_id, *item.old_ids])
            previous = {"id": version_id, **_fields(item.content)}
            ids.append(version_id)
        db.execute("update articles set current_version_id = ?, version_count = ?, title = ? "
                   "where id = ?", [ids[-1], len(ids), previous["title"], article_id])
    return ids


def _fields(content: Content) -> dict:
    return {"title": normalize_line(content.title), "byline": normalize_line(content.byline),
            "body": normalize_body(content.body), "published": content.published,
            "captions": normalize_body(content.captions), "modified": content.modified}


def _insert_version(db, version_id: int, article_id: int, number: int, item: Rebuilt,
                    previous: dict | None) -> int:
    new = _fields(item.content)
    return db.execute(
        "insert into versions (id, article_id, version, captured_at, title, byline, published, modified, "
        "body, content_hash, words_added, words_removed, title_changed, byline_changed, body_changed, "
        "captions_changed, cleaner_version, check_id, captions) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [version_id, article_id, number, item.captured_at, new["title"], new["byline"], new["published"],
         item.content.modified, new["body"], item.digest, *change_flags(previous, new),
         item.content.cleaner_version, item.check_id, new["captions"]]).lastrowid


@dataclass
class FalseVersion:
    """A stored version that was not the article (found by `newswatch doctor`)."""

    version_id: int
    status: str  # what the article's status would have been: gone (error page) or blocked
    reason: str


_VERSION_FIELDS = ("id", "version", "captured_at", "title", "byline", "body", "published",
                   "captions", "modified", "content_hash", "check_id")


def remove_versions(db: sqlite_utils.Database, article_id: int, false: list[FalseVersion],
                    superseded_at: str) -> dict[str, int]:
    """Take the false versions out of an article's history in one transaction: they move to
    `versions_superseded` with their reason, a good version that only repeats the one before
    it once they are gone moves with them, the rest are renumbered 1..n with their words and
    change records computed again, and the checks that made them say what the page was.
    Returns counts: removed (false), merged (repeats), kept."""
    with write_transaction(db):
        rows = [dict(zip(_VERSION_FIELDS, r)) for r in db.execute(
            f"select {', '.join(_VERSION_FIELDS)} from versions where article_id = ? order by version",
            [article_id])]
        by_id = {f.version_id: f for f in false}
        kept, merged = [], []
        for row in rows:
            if row["id"] in by_id:
                continue
            if kept and kept[-1]["content_hash"] == row["content_hash"]:
                merged.append(row)
            else:
                kept.append(row)
        gone = [r for r in rows if r["id"] in by_id] + merged
        _supersede(db, gone, {**{i: f.reason for i, f in by_id.items()},
                              **{r["id"]: "repeats the version before it once false versions "
                                          "are removed" for r in merged}}, superseded_at)
        for f in false:
            db.execute("update checks set version_id = null, outcome = ?, error = ? where version_id = ?",
                       ["missing" if f.status == "gone" else "blocked", f.reason, f.version_id])
        for r in merged:
            db.execute("update checks set version_id = null, outcome = 'unchanged' where version_id = ?",
                       [r["id"]])
        _renumber(db, article_id, kept)
        _settle_article(db, article_id, kept, rows, by_id, superseded_at)
    return {"removed": len(false), "merged": len(merged), "kept": len(kept)}


def _supersede(db: sqlite_utils.Database, rows: list[dict], reasons: dict[int, str], at: str) -> None:
    if not rows:
        return
    ids = [r["id"] for r in rows]
    marks = ",".join("?" * len(ids))
    columns = [c for c in db["versions_superseded"].columns_dict
               if c in db["versions"].columns_dict]
    db.execute(f"insert into versions_superseded ({', '.join(columns)}, superseded_at) "
               f"select {', '.join(columns)}, ? from versions where id in ({marks})", [at, *ids])
    for version_id, reason in reasons.items():
        db.execute("update versions_superseded set superseded_reason = ? where id = ? and "
                   "superseded_at = ?", [reason, version_id, at])
    db.execute(f"delete from notifications where version_id in ({marks})", ids)
    # a version taken out is not what the page said: it is not submitted to Save Page Now
    db.execute(f"delete from page_saves where version_id in ({marks}) and status != 'saved'", ids)
    db.execute(f"delete from change_records where version_id in ({marks}) or "
               f"previous_version_id in ({marks})", [*ids, *ids])
    db.execute(f"delete from versions where id in ({marks})", ids)


def _renumber(db: sqlite_utils.Database, article_id: int, kept: list[dict]) -> None:
    """Versions 1..n in time order, each with its words and change record against the one before."""
    db.execute("delete from change_records where article_id = ?", [article_id])
    db.execute("update versions set version = -version where article_id = ?", [article_id])
    previous = None
    for number, row in enumerate(kept, start=1):
        db.execute("update versions set version = ?, words_added = ?, words_removed = ?, "
                   "title_changed = ?, byline_changed = ?, body_changed = ?, captions_changed = ? "
                   "where id = ?", [number, *change_flags(previous, row), row["id"]])
        record_change(db, article_id, row["id"], previous,
                      {k: row[k] for k in ("title", "byline", "body", "published", "captions",
                                           "modified")},
                      row["captured_at"])
        previous = row


def _settle_article(db: sqlite_utils.Database, article_id: int, kept: list[dict], rows: list[dict],
                    false: dict[int, FalseVersion], at: str) -> None:
    """The article's current version is its last good one; when the last stored version was
    false, the article takes that page's status and forgets its validators (they are the
    stand-in page's), so that the next check fetches and judges the page afresh."""
    last = kept[-1] if kept else None
    db.execute("update articles set current_version_id = ?, version_count = ?, title = "
               "coalesce(?, title) where id = ?",
               [last and last["id"], len(kept), last and last["title"], article_id])
    latest = rows[-1] if rows else None
    if latest is not None and latest["id"] in false:
        f = false[latest["id"]]
        old = db.execute("select status from articles where id = ?", [article_id]).fetchone()[0]
        db.execute("update articles set status = ?, status_since = ?, status_detail = ?, etag = null, "
                   "last_modified = null, raw_hash = null where id = ?",
                   [f.status, latest["captured_at"], f.reason, article_id])
        if old != f.status:
            db.execute("insert into events (article_id, at, kind, old, new, detail) values "
                       "(?, ?, 'status', ?, ?, ?)", [article_id, at, old, f.status, f"doctor: {f.reason}"])


@dataclass
class ArchivedVersion:
    """A web archive's capture of an article, cleaned: a candidate version from before we watched."""

    content: Content
    captured_at: str  # the capture's time, as `iso` writes it
    archive_url: str  # the replay URL of the original page (the `id_` form)

    @property
    def digest(self) -> str:
        return content_hash(self.content.title, self.content.byline, self.content.body,
                            self.content.captions)


def insert_archived_versions(db: sqlite_utils.Database, article_id: int,
                             captures: list[ArchivedVersion]) -> list[int]:
    """Add the captures that predate the article's first crawled version as versions marked
    `origin = 'archive'`, in one transaction; all versions are renumbered 1..n in time order
    with their change records computed again. A capture already imported (same replay URL, or
    same content at the same time) or equal to its neighbour adds nothing. Returns new ids."""
    with write_transaction(db):
        rows = [dict(zip(_VERSION_FIELDS + ("origin", "archive_url"), r)) for r in db.execute(
            f"select {', '.join(_VERSION_FIELDS)}, origin, archive_url from versions "
            "where article_id = ? order by version", [article_id])]
        first_crawl = min((r["captured_at"] for r in rows if r["origin"] == "crawl"), default=None)
        seen = {r["archive_url"] for r in rows} | {(r["content_hash"], r["captured_at"]) for r in rows}
        fresh = [c for c in captures if (first_crawl is None or c.captured_at < first_crawl)
                 and c.archive_url not in seen and (c.digest, c.captured_at) not in seen]
        timeline = _with_captures(rows, fresh)
        added = [item for item in timeline if isinstance(item, ArchivedVersion)]
        if not added:
            return []
        next_id = max(db.execute("select coalesce(max(id), 0) from versions").fetchone()[0],
                      db.execute("select coalesce(max(id), 0) from versions_superseded").fetchone()[0]) + 1
        top = max((r["version"] for r in rows), default=0)
        kept = []
        for item in timeline:
            if isinstance(item, ArchivedVersion):
                item = _insert_archived(db, next_id + len(kept), article_id, top + len(kept) + 1, item)
            kept.append(item)
        _renumber(db, article_id, kept)
        last = kept[-1]
        db.execute("update articles set current_version_id = ?, version_count = ?, title = "
                   "coalesce(title, ?) where id = ?", [last["id"], len(kept), last["title"], article_id])
    return [r["id"] for r in kept if r["origin"] == "archive" and r["id"] >= next_id]


def _with_captures(rows: list[dict], fresh: list[ArchivedVersion]) -> list:
    """Stored rows and fresh captures in time order, without a capture that repeats its neighbour."""
    merged = sorted([(r["captured_at"], 0, r) for r in rows] + [(c.captured_at, 1, c) for c in fresh],
                    key=lambda t: (t[0], t[1]))
    timeline: list = []
    for _, _, item in merged:
        digest = item.digest if isinstance(item, ArchivedVersion) else item["content_hash"]
        before = timeline[-1] if timeline else None
        before_digest = None if before is None else (
            before.digest if isinstance(before, ArchivedVersion) else before["content_hash"])
        if isinstance(item, ArchivedVersion) and digest == before_digest:
            continue
        if isinstance(before, ArchivedVersion) and digest == before_digest:
            timeline.pop()  # the capture only repeats the stored version after it
        timeline.append(item)
    return timeline


def _insert_archived(db, version_id: int, article_id: int, number: int, item: ArchivedVersion) -> dict:
    new = _fields(item.content)
    db.execute(
        "insert into versions (id, article_id, version, captured_at, title, byline, published, modified, "
        "body, content_hash, cleaner_version, captions, origin, archive_url) values (?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, 'archive', ?)",
        [version_id, article_id, number, item.captured_at, new["title"], new["byline"], new["published"],
         new["modified"], new["body"], item.digest, item.content.cleaner_version, new["captions"],
         item.archive_url])
    return {"id": version_id, "captured_at": item.captured_at, "content_hash": item.digest,
            "origin": "archive", **new}
