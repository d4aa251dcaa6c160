"""Schema and migrations; `open_db(path)` gives a migrated database in WAL mode."""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

T, R = TypeVar("T"), TypeVar("R")

# A writer waits this long for another writer (the scheduler's child crawls, `ingest`) before
# SQLite says "database is locked"; readers never wait in WAL mode.
BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """The file is not a newswatch database we can use."""

    def __init__(self, path: str | Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


# The storage failures: the database cannot be written (or read) whatever is retried, so a
# crawl that meets one stops at once, and every command says what is wrong and the fix.
class StorageProblem(DatabaseError):
    """The database's disk, file or directory fails us (full, damaged, not writable)."""

    summary = "storage"  # the few words of a crawl row's status: "failed (disk full)"


class StorageFull(StorageProblem):
    summary = "disk full"

    def __init__(self, path: str | Path, elsewhere: str = "move the database with --db"):
        folder = Path(path).absolute().parent
        super().__init__(path, f"cannot write: the disk is full ({_size(_free(folder))} left on "
                               f"{folder}); free space on {folder} or {elsewhere}")


class DatabaseDamaged(StorageProblem):
    summary = "database damaged"

    def __init__(self, path: str | Path, detail: str):
        path = Path(path)
        copy = path.with_name(f"{path.stem}-recovered{path.suffix or '.db'}")
        super().__init__(path, f"the database file is damaged ({detail}); recover what it holds "
                               f"into a new file with: sqlite3 {path} \".recover\" | sqlite3 {copy} "
                               f"and use --db {copy}")


class DirectoryNotWritable(StorageProblem):
    summary = "directory not writable"

    def __init__(self, path: str | Path, why: str = "read-only queries still work"):
        folder = Path(path).absolute().parent
        super().__init__(path, f"cannot write in {folder}: the directory is not writable (SQLite "
                               f"needs it for its -wal/-shm files); {why}")


# SQLite's primary result codes (https://sqlite.org/rescode.html); extended codes keep them
# in their low byte.
SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 8, 11, 13, 14, 26


def storage_problem(exc: BaseException, path: str | Path) -> StorageProblem | None:
    """The storage failure `exc` (a sqlite3 or OS error met using the database at `path`) is,
    or None when it is another kind of error."""
    if isinstance(exc, StorageProblem):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(path)
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return None if directory_writable(path) else DirectoryNotWritable(path)
    if not isinstance(exc, sqlite3.Error):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code == SQLITE_FULL or "database or disk is full" in str(exc):
        return StorageFull(path)
    if code == SQLITE_CORRUPT or "malformed" in str(exc) or \
            (code == SQLITE_NOTADB and _has_sqlite_header(path)):
        return DatabaseDamaged(path, str(exc))
    if code in (SQLITE_CANTOPEN, SQLITE_READONLY) and Path(path).exists() \
            and not directory_writable(path):
        return DirectoryNotWritable(path)
    if code in (0, SQLITE_CORRUPT, SQLITE_NOTADB) and \
            type(exc) in (sqlite3.DatabaseError, sqlite3.OperationalError) and \
            (problem := _integrity_problem(path)):
        # A damaged page can also read as text that is not UTF-8 ("Could not decode")
        return DatabaseDamaged(path, problem)
    return None


def _integrity_problem(path: str | Path) -> str | None:
    """What SQLite's quick_check (https://sqlite.org/pragma.html#pragma_quick_check) finds
    wrong in the file at `path`, or None when it finds nothing (or cannot look)."""
    if not _has_sqlite_header(path):
        return None
    try:
        conn = sqlite3.connect(f"file:{Path(path).absolute()}?mode=ro", uri=True)
        try:
            found = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc) if (exc.sqlite_errorcode & 0xFF) in (SQLITE_CORRUPT, SQLITE_NOTADB) else None
    return None if found == "ok" else found


def _shm_impossible(path: Path) -> bool:
    """No -shm beside `path`, none can be created, and no -wal holds writes not yet in the file."""
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    if shm.exists() or directory_writable(path):
        return False
    return not wal.exists() or wal.stat().st_size == 0


def directory_writable(path: str | Path) -> bool:
    """Whether files can be created beside `path` (its -wal, -shm and lock files)."""
    return os.access(Path(path).absolute().parent, os.W_OK | os.X_OK)


def _has_sqlite_header(path: str | Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _free(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


def open_db(path: str | Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at `path`; WAL, busy timeout set."""
    import sqlite_utils  # here: the CLI starts a crawl's worker processes before it needs it

    path = Path(path)
    try:
        if readonly:
            if not path.exists():
                raise DatabaseError(path, "no such database (run `newswatch crawl` first)")
            db = _open_readonly(path)
            if pending := pending_migrations(db):  # an older database: migrate once, then read
                db.close()
                if not directory_writable(path):  # a read-only open must not try to write
                    raise DirectoryNotWritable(path, f"the database needs upgrading first "
                                               f"({len(pending)} migration{'s' * (len(pending) > 1)} "
                                               "pending): run a newswatch "
                                               "command where it can be written")
                open_db(path).close()
                db = _open_readonly(path)
            return db
        if not directory_writable(path):  # SQLite would open it read-only, or not at all
            raise DirectoryNotWritable(path) if path.exists() else \
                DirectoryNotWritable(path, "the database cannot be created there")
        db = sqlite_utils.Database(path)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")  # safe in WAL: a crash loses at most the last commit
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        return db
    except sqlite3.DatabaseError as exc:
        raise storage_problem(exc, path) or \
            DatabaseError(path, f"not a usable SQLite database ({exc})") from exc


def _open_readonly(path: Path) -> sqlite_utils.Database:
    import sqlite_utils

    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    if _shm_impossible(path):
        # A WAL database's readers need its -shm file, which nobody can create here; with no
        # -wal either, nobody can be writing the file: it is read as immutable, without them
        # (https://sqlite.org/wal.html#readonly, https://sqlite.org/uri.html#uriimmutable).
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


def iso(moment: datetime) -> str:
    """The one timestamp format of the database: UTC, seconds, explicit offset (sorts as text)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    """A timestamp as written by `iso` or a page's ISO 8601 date; None when it is not one."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


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


def each_all_or_nothing(db: sqlite_utils.Database, items: Iterable[T],
                        write: Callable[[T], R]) -> list[R | Exception]:
    """Inside a transaction the caller holds: `write(item)` for each item in a savepoint of its
    own. An item whose write raises is rolled back alone; its exception takes its place in the
    result, and the others are still written (batched writers: one bad fetch spoils no batch)."""
    results: list[R | Exception] = []
    for item in items:
        db.execute("SAVEPOINT item")
        try:
            results.append(write(item))
        except Exception as exc:
            if _storage_error(exc):  # the disk or file fails every item: the whole batch fails
                raise
            db.execute("ROLLBACK TO item")
            results.append(exc)
        db.execute("RELEASE item")
    return results


def _storage_error(exc: Exception) -> bool:
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    return isinstance(exc, StorageProblem) or code in (SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOTADB) \
        or (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT))


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

def _m002_fetching(db: sqlite_utils.Database) -> None:
    """Conditional requests, stable identity and lifecycle: validators and counters on
    articles, URL aliases, and an event row for every status or URL change."""
    articles = db["articles"]
    for column, kind in (("etag", str), ("last_modified", str), ("raw_hash", str),
                         ("consecutive_errors", int), ("missing_count", int),
                         ("suspect_hash", str), ("suspect_count", int)):
        articles.add_column(column, kind, not_null_default=0 if kind is int else None)
    db["aliases"].create({"url": str, "article_id": int, "first_seen": str}, pk="url",
                         foreign_keys=[("article_id", "articles", "id")])
    db["aliases"].create_index(["article_id"])
    db["events"].create({"id": int, "article_id": int, "at": str, "kind": str, "old": str,
                         "new": str, "detail": str}, pk="id",
                        foreign_keys=[("article_id", "articles", "id")],
                        not_null={"article_id", "at", "kind"})
    db["events"].create_index(["at"])
    db["events"].create_index(["article_id", "at"])
    db.create_view("article_events", ARTICLE_EVENTS_VIEW)


# Every status change and URL change, with the article it happened to.
ARTICLE_EVENTS_VIEW = """
select e.id, e.at, e.kind, e.old, e.new, e.detail, a.id as article_id, a.url, a.source, a.title,
  a.status as current_status
from events e join articles a on a.id = e.article_id
"""


def _m003_schedule_state(db: sqlite_utils.Database) -> None:
    """Durable schedule: the unchanged-check streak the back-off needs, and one row per
    scheduler job with its last run, outcome and next run, so a restart continues, not replays."""
    db["articles"].add_column("unchanged_checks", int, not_null_default=0)
    db["jobs"].create({
        "job": str, "kind": str, "source": str, "last_started_at": str, "last_finished_at": str,
        "last_outcome": str, "last_crawl_id": int, "next_run_at": str, "daemon_pid": int,
        "updated_at": str,
    }, pk="job", not_null={"kind"})


def _m004_change_records(db: sqlite_utils.Database) -> None:
    """A change record per version after the first (back-filled), the raw HTML table,
    superseded versions (reclean), the changes view rebuilt on the records, and its siblings."""
    from db.changes import backfill

    db.executescript(CHANGE_TABLES)
    backfill(db)
    db.execute("drop view if exists changes")
    for name, sql in CHANGE_VIEWS.items():
        db.create_view(name, sql)


CHANGE_TABLES = """
create table change_records (
  version_id integer primary key references versions(id), previous_version_id integer not null,
  article_id integer not null, captured_at text not null,
  title_changed integer not null, byline_changed integer not null, body_changed integer not null,
  captions_changed integer not null default 0, published_changed integer not null, sentences_added integer not null,
  sentences_deleted integer not null, sentences_rewritten integer not null,
  sentences_moved integer not null, numbers_changed integer not null,
  quotes_changed integer not null, notice text, notice_text text, minor integer not null,
  stealth integer not null default 0,
  detail text, record_version text);
create index idx_change_records_captured_at on change_records (captured_at);
create index idx_change_records_article on change_records (article_id, captured_at);
create index idx_change_records_notice on change_records (notice, captured_at) where notice is not null;
create table version_html (version_id integer primary key, codec text not null,
  size integer not null, html blob not null);
create table versions_superseded as select * from versions where 0;
alter table versions_superseded add column superseded_at text;
create index idx_versions_superseded_article on versions_superseded (article_id, version);
"""

# One row per edit, with the version it replaced and the labels of its change record.
_EDIT_JOINS = """from change_records c
join versions v on v.id = c.version_id
join versions p on p.id = c.previous_version_id
join articles a on a.id = c.article_id"""
CHANGE_VIEWS = {
    "changes": f"""
select
  c.version_id, c.previous_version_id, c.article_id, a.url, a.source,
  v.version, c.captured_at, p.captured_at as previous_captured_at,
  v.title, p.title as previous_title,
  c.title_changed, c.byline_changed, c.body_changed, c.captions_changed, c.published_changed,
  v.words_added, v.words_removed,
  c.sentences_added, c.sentences_deleted, c.sentences_rewritten, c.sentences_moved,
  c.numbers_changed, c.quotes_changed, c.notice, c.notice_text, c.minor, c.stealth
{_EDIT_JOINS}""",
    "stealth_edits": f"""
select c.version_id, c.article_id, a.url, a.source, v.version, c.captured_at, v.title,
  v.words_added, v.words_removed, c.numbers_changed, c.quotes_changed, v.modified
{_EDIT_JOINS}
where c.stealth""",
    "headline_changes": f"""
select c.version_id, c.article_id, a.url, a.source, v.version, c.captured_at,
  p.title as previous_title, v.title, c.minor
{_EDIT_JOINS}
where c.title_changed""",
    "corrections": f"""
select c.version_id, c.article_id, a.url, a.source, v.version, c.captured_at, v.title,
  c.notice, c.notice_text
{_EDIT_JOINS}
where c.notice is not null""",
    "most_edited": """
select a.id as article_id, a.url, a.source, a.title, a.version_count, count(*) as edits,
  sum(c.minor = 0) as substantive_edits, sum(c.title_changed) as headline_changes,
  sum(c.notice is not null) as notices, sum(v.words_added) as words_added,
  sum(v.words_removed) as words_removed, min(c.captured_at) as first_edit,
  max(c.captured_at) as last_edit
from change_records c
join articles a on a.id = c.article_id
join versions v on v.id = c.version_id
group by c.article_id
order by edits desc, last_edit desc""",
}


def _m005_notifications(db: sqlite_utils.Database) -> None:
    """One row per notification of an edit to one target, with its delivery state, so that
    a failed send is retried by the next crawl. The target is kept as a hash (to find its URL in the
    sources file) and a redacted label: Apprise URLs hold passwords and tokens."""
    db.execute("""create table notifications (
  id integer primary key, version_id integer not null references versions(id),
  article_id integer not null, source text, target_hash text not null, target text,
  status text not null default 'pending', attempts integer not null default 0,
  created_at text not null, last_attempt_at text, sent_at text, error text,
  title text not null, body text not null,
  unique (version_id, target_hash))""")
    db.execute("create index idx_notifications_status on notifications (status, created_at)")


# Applied in this order; each is recorded by name in `_migrations`, so migrations added by
# separate changes never collide on a number. Append new ones at the end.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m001_core, _m002_fetching,
                                                               _m003_schedule_state,
                                                               _m004_change_records]
MIGRATIONS.append(_m005_notifications)


def _m006_distributed(db: sqlite_utils.Database) -> None:
    """Distributed crawling: `ingest` replays a result after a crash; its idempotency key on the
    check row makes the replay a no-op. A crawl row per distributed cycle (discovery of a source,
    or re-check) is found again by its cycle id."""
    db["checks"].add_column("result_id", str)
    db.execute("create unique index idx_checks_result_id on checks (result_id)")
    db["crawls"].add_column("cycle", str)
    db.execute("create unique index idx_crawls_cycle on crawls (cycle)")


MIGRATIONS.append(_m006_distributed)


def _m007_stand_in_pages(db: sqlite_utils.Database) -> None:
    """The reason and moment of an article's current status (`blocked` since when, and why), and
    why a superseded version was taken out (a re-clean, or a page that was not the article)."""
    db["articles"].add_column("status_since", str)
    db["articles"].add_column("status_detail", str)
    db["versions_superseded"].add_column("superseded_reason", str)
    db.execute("update articles set status_since = (select max(e.at) from events e where "
               "e.article_id = articles.id and e.kind = 'status'), status_detail = (select e.detail "
               "from events e where e.article_id = articles.id and e.kind = 'status' order by e.at "
               "desc, e.id desc limit 1)")


MIGRATIONS.append(_m007_stand_in_pages)


def _m008_captions(db: sqlite_utils.Database) -> None:
    """Image captions are versioned apart from the body, with their own change flag."""
    for table in ("versions", "versions_superseded"):
        db[table].add_column("captions", str, not_null_default="")
        db[table].add_column("captions_changed", int, not_null_default=0)
    if "captions_changed" not in db["change_records"].columns_dict:  # made before m004 knew it
        db["change_records"].add_column("captions_changed", int, not_null_default=0)
    db.execute("drop view if exists changes")
    db.create_view("changes", CHANGE_VIEWS["changes"])


MIGRATIONS.append(_m008_captions)


def _m009_applied_settings(db: sqlite_utils.Database) -> None:
    """The settings the stored schedule was computed with (the tiers), so that a change of the
    sources file re-plans the articles already tracked."""
    db.execute("create table applied_settings (name text primary key, value text not null, "
               "applied_at text not null)")


MIGRATIONS.append(_m009_applied_settings)


def _m010_stealth(db: sqlite_utils.Database) -> None:
    """A `stealth` label on change records: substantive, no notice, no new modified date."""
    if "stealth" not in db["change_records"].columns_dict:  # made before m004 knew it
        db["change_records"].add_column("stealth", int, not_null_default=0)
    for name in ("changes", "stealth_edits"):
        db.execute(f"drop view if exists {name}")
        db.create_view(name, CHANGE_VIEWS[name])


MIGRATIONS.append(_m010_stealth)


def _m011_fronts(db: sqlite_utils.Database) -> None:
    """Front pages: each reading of a front, and placement runs (db.fronts)."""
    db.executescript(FRONT_TABLES)
    db.create_view("headline_tests", HEADLINE_TESTS_VIEW)


FRONT_TABLES = """
create table front_readings (id integer primary key, front text not null, source text not null,
  captured_at text not null, links integer not null, crawl_id integer);
create index idx_front_readings_front on front_readings (front, captured_at);
create table placements (id integer primary key, front text not null, source text not null,
  url text not null, link_text text not null, section text, rank_band text not null,
  first_rank integer not null, best_rank integer not null, first_seen text not null,
  last_seen text not null, readings integer not null default 1, open integer not null default 1,
  closed_at text);
create index idx_placements_open on placements (front, open);
create index idx_placements_url on placements (url, first_seen);
create index idx_placements_seen on placements (last_seen);
"""
# Articles a front showed under more than one link text: the candidates of headline tests
# (`newswatch headlines` tells A/B tests, front-only headlines and decided tests apart).
HEADLINE_TESTS_VIEW = """
select p.front, p.source, p.url, a.id as article_id, a.title as headline,
  count(distinct p.link_text) as variants, group_concat(distinct p.link_text) as link_texts,
  count(*) as runs, min(p.first_seen) as first_seen, max(p.last_seen) as last_seen
from placements p left join articles a on a.url = p.url
group by p.front, p.url
having count(distinct p.link_text) > 1
"""

MIGRATIONS.append(_m011_fronts)


def _m012_check_source(db: sqlite_utils.Database) -> None:
    """The source of every check, also of a URL that never gave an article (failures by source)."""
    db["checks"].add_column("source", str)
    db.execute("update checks set source = (select a.source from articles a where a.id = checks.article_id)")
    db.execute("create index idx_checks_source on checks (source, checked_at)")


MIGRATIONS.append(_m012_check_source)


def _m013_archive_origin(db: sqlite_utils.Database) -> None:
    """Where a version comes from: our own crawl, or a web archive's capture (`newswatch backfill`),
    with that capture's replay URL."""
    for table in ("versions", "versions_superseded"):
        db[table].add_column("origin", str, not_null_default="crawl")
        db[table].add_column("archive_url", str)


MIGRATIONS.append(_m013_archive_origin)


def _m014_archive_captures(db: sqlite_utils.Database) -> None:
    """Where each version's capture is in the WARC archive (crawler/archive.py): the file under
    archive/, the byte offset of its response record and the length of its records."""
    for table in ("versions", "versions_superseded"):
        for column, kind in (("warc_file", str), ("warc_offset", int), ("warc_length", int)):
            if column not in db[table].columns_dict:
                db[table].add_column(column, kind)


MIGRATIONS.append(_m014_archive_captures)


def _m015_live_blogs(db: sqlite_utils.Database) -> None:
    """Live blogs: each entry once (db.live), and a row per entry edited or deleted."""
    db.executescript(LIVE_TABLES)
    db.create_view("live_stream", LIVE_STREAM_VIEW)


LIVE_TABLES = """
create table live_entries (id integer primary key, article_id integer not null references articles(id),
  entry_key text not null, headline text not null default '', text text not null, published text,
  first_seen text not null, last_seen text not null, edited_at text, deleted_at text,
  seq real not null, unique (article_id, entry_key));
create index idx_live_entries_first_seen on live_entries (article_id, first_seen);
create table live_changes (id integer primary key, article_id integer not null references articles(id),
  entry_id integer not null references live_entries(id), kind text not null,
  captured_at text not null, check_id integer, previous_headline text, headline text,
  previous_text text, text text, words_added integer not null, words_removed integer not null);
create index idx_live_changes_captured_at on live_changes (captured_at);
create index idx_live_changes_article on live_changes (article_id, captured_at);
"""
# Every entry with its live blog, for the web view.
LIVE_STREAM_VIEW = """
select e.id as entry_id, a.id as article_id, a.url, a.source, a.title as live_blog, e.entry_key,
  e.headline, e.text, e.published, e.first_seen, e.last_seen, e.edited_at, e.deleted_at
from live_entries e join articles a on a.id = e.article_id
order by e.article_id, e.seq desc
"""

MIGRATIONS.append(_m015_live_blogs)


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
            # Another process (`ingest` and `run --redis` start together) may have applied
            # it between our look and our write lock: look again under the lock.
            if db.execute("select 1 from _migrations where name = ?", [step.__name__]).fetchone():
                continue
            step(db)
            db.execute("insert into _migrations (name, applied_at) values (?, datetime('now'))",
                       [step.__name__])
    return len(pending)



def _m016_page_saves(db: sqlite_utils.Database) -> None:
    """Save Page Now: one row per new version to submit to a web archive's save endpoint, with
    its submission state (db.page_saves), and the archive's capture of it on the version."""
    db.executescript(PAGE_SAVES_TABLE)
    for table in ("versions", "versions_superseded"):
        for column in ("spn_timestamp", "spn_url"):
            if column not in db[table].columns_dict:
                db[table].add_column(column, str)


# No foreign keys: a re-clean replaces versions, and a row whose version went is simply done.
PAGE_SAVES_TABLE = """
create table if not exists page_saves (id integer primary key, version_id integer not null unique,
  article_id integer not null, source text, url text not null, status text not null default 'pending',
  attempts integer not null default 0, created_at text not null, last_attempt_at text,
  next_attempt_at text, archive_unavailable integer not null default 0, job_id text,
  submitted_at text, polled_at text, saved_at text, capture_timestamp text, error text);
create index if not exists idx_page_saves_status on page_saves (status, next_attempt_at);
create index if not exists idx_page_saves_attempt on page_saves (last_attempt_at);
"""

MIGRATIONS.append(_m016_page_saves)


def _m017_rendering(db: sqlite_utils.Database) -> None:
    """Browser rendering: whether each source's pages need a browser, as `render = "auto"`
    found out (db.render), and the screenshot of each version that has one."""
    db.execute("create table if not exists render_decisions (source text primary key, "
               "needed integer not null, decided_at text not null, url text)")
    db.execute("create table if not exists screenshots (version_id integer primary key "
               "references versions(id), file text not null, taken_at text not null, "
               "bytes integer not null)")


MIGRATIONS.append(_m017_rendering)
