"""Writes: one transaction each; a new version only when the normalized content hash moved."""
from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from db.schema import write_transaction

# next check time from (age basis, now, changed?) -> None means "stop checking"; passed in by
# the crawler so that the policy lives with the scheduler settings, not in the database layer.
Schedule = Callable[[datetime, datetime, bool], "datetime | None"]

OUTCOMES = ("new", "changed", "unchanged", "error")


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


@dataclass(frozen=True)
class Fetch:
    """One fetch of one URL, whatever came of it."""

    url: str
    source: str
    checked_at: datetime
    http_status: int | None = None
    crawl_id: int | None = None
    error: str | None = None  # set: the fetch failed and no content is recorded
    duration_ms: int | None = None


@dataclass(frozen=True)
class Content:
    """What a reader sees of the article; only title, byline and body make a version."""

    title: str
    byline: str
    body: str
    published: str | None = None
    modified: str | None = None
    cleaner_version: str | None = None


@dataclass(frozen=True)
class FetchResult:
    outcome: str
    article_id: int | None = None
    version: int | None = None
    version_id: int | None = None
    words_added: int = 0
    words_removed: int = 0


def normalize_line(text: str) -> str:
    # Same rule as the cleaner (NFC, any whitespace run -> one space); repeated here so that
    # the hash is stable whatever produced the text. Letters and punctuation are untouched.
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalize_body(body: str) -> str:
    return "\n".join(line for line in map(normalize_line, body.splitlines()) if line)


def content_hash(title: str, byline: str, body: str) -> str:
    """sha256 of the normalized (title, byline, body): the only thing that decides a new version."""
    canon = "\x1e".join([normalize_line(title), normalize_line(byline), normalize_body(body)])
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def word_delta(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) between two texts, by a word-level diff."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed


def start_crawl(db: sqlite_utils.Database, kind: str, source: str | None, pid: int,
                started_at: datetime) -> int:
    with write_transaction(db):
        cursor = db.execute(
            "insert into crawls (kind, source, started_at, status, pid) values (?, ?, ?, 'running', ?)",
            [kind, source, iso(started_at), pid])
        return cursor.lastrowid


def finish_crawl(db: sqlite_utils.Database, crawl_id: int, counts: dict[str, int], status: str,
                 finished_at: datetime, error: str | None = None) -> None:
    fields = ("fetched", "new", "changed", "unchanged", "failed")
    with write_transaction(db):
        db.execute(
            "update crawls set finished_at = ?, status = ?, error = ?, "
            + ", ".join(f"{f} = ?" for f in fields) + " where id = ?",
            [iso(finished_at), status, error, *(counts.get(f, 0) for f in fields), crawl_id])


def record_fetch(db: sqlite_utils.Database, fetch: Fetch, content: Content | None,
                 schedule: Schedule) -> FetchResult:
    """Record one fetch and, when the article's content hash moved, its new version."""
    with write_transaction(db):
        article = _article_by_url(db, fetch.url)
        if fetch.error is not None or content is None:
            return _record_error(db, fetch, article)
        if article is None:
            article = _insert_article(db, fetch, content)
        return _record_content(db, fetch, article, content, schedule)


def _article_by_url(db: sqlite_utils.Database, url: str) -> dict | None:
    return next(db.query("select * from articles where url = ?", [url]), None)


def _insert_article(db: sqlite_utils.Database, fetch: Fetch, content: Content) -> dict:
    cursor = db.execute(
        "insert into articles (url, source, first_seen, status, version_count, title, published) "
        "values (?, ?, ?, 'live', 0, ?, ?)",
        [fetch.url, fetch.source, iso(fetch.checked_at), content.title, content.published])
    return {"id": cursor.lastrowid, "first_seen": iso(fetch.checked_at), "current_version_id": None,
            "version_count": 0, "published": content.published}


def _record_error(db: sqlite_utils.Database, fetch: Fetch, article: dict | None) -> FetchResult:
    article_id = article["id"] if article else None
    _insert_check(db, fetch, article_id, "error", None)
    if article is not None:
        db.execute("update articles set last_checked = ?, status = 'error' where id = ?",
                   [iso(fetch.checked_at), article_id])
    return FetchResult("error", article_id)


def _record_content(db: sqlite_utils.Database, fetch: Fetch, article: dict, content: Content,
                    schedule: Schedule) -> FetchResult:
    digest = content_hash(content.title, content.byline, content.body)
    previous = _current_version(db, article)
    if previous is not None and previous["content_hash"] == digest:
        _insert_check(db, fetch, article["id"], "unchanged", None)
        _update_article(db, fetch, article, None, schedule, changed=False)
        return FetchResult("unchanged", article["id"])
    number = (previous["version"] if previous else 0) + 1
    flags = _change_flags(previous, content)
    cursor = db.execute(
        "insert into versions (article_id, version, captured_at, title, byline, published, modified, "
        "body, content_hash, words_added, words_removed, title_changed, byline_changed, body_changed, "
        "cleaner_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article["id"], number, iso(fetch.checked_at), normalize_line(content.title),
         normalize_line(content.byline), content.published, content.modified,
         normalize_body(content.body), digest, *flags, content.cleaner_version])
    version_id = cursor.lastrowid
    outcome = "new" if previous is None else "changed"
    check_id = _insert_check(db, fetch, article["id"], outcome, version_id)
    db.execute("update versions set check_id = ? where id = ?", [check_id, version_id])
    _update_article(db, fetch, article, (version_id, number, content), schedule, changed=True)
    return FetchResult(outcome, article["id"], number, version_id, flags[0], flags[1])


def _current_version(db: sqlite_utils.Database, article: dict) -> dict | None:
    if not article.get("current_version_id"):
        return None
    row = db.execute("select version, content_hash, title, byline, body from versions where id = ?",
                     [article["current_version_id"]]).fetchone()
    return dict(zip(("version", "content_hash", "title", "byline", "body"), row)) if row else None


def _change_flags(previous: dict | None, content: Content) -> tuple[int, int, int, int, int]:
    """words added, words removed, and which of title / byline / body changed."""
    title, byline, body = normalize_line(content.title), normalize_line(content.byline), \
        normalize_body(content.body)
    if previous is None:
        return len(_WORD.findall(f"{title}\n{body}")), 0, 0, 0, 0
    added, removed = word_delta(f"{previous['title']}\n{previous['body']}", f"{title}\n{body}")
    return (added, removed, int(previous["title"] != title), int(previous["byline"] != byline),
            int(previous["body"] != body))


def _update_article(db: sqlite_utils.Database, fetch: Fetch, article: dict,
                    new_version: tuple[int, int, Content] | None, schedule: Schedule,
                    changed: bool) -> None:
    # Age counts from publication when the page says it, else from when we first saw it.
    basis = parse_iso(article.get("published")) or parse_iso(article["first_seen"])
    next_at = schedule(basis, fetch.checked_at, changed)
    now = iso(fetch.checked_at)
    if new_version is None:
        db.execute("update articles set last_checked = ?, next_check_at = ?, status = 'live' "
                   "where id = ?", [now, iso(next_at) if next_at else None, article["id"]])
        return
    version_id, number, content = new_version
    db.execute(
        "update articles set last_checked = ?, next_check_at = ?, status = 'live', last_changed = ?, "
        "current_version_id = ?, version_count = ?, title = ?, published = coalesce(published, ?) "
        "where id = ?",
        [now, iso(next_at) if next_at else None, now, version_id, number,
         normalize_line(content.title), content.published, article["id"]])


def _insert_check(db: sqlite_utils.Database, fetch: Fetch, article_id: int | None, outcome: str,
                  version_id: int | None) -> int:
    cursor = db.execute(
        "insert into checks (article_id, url, crawl_id, checked_at, http_status, outcome, error, "
        "version_id, duration_ms) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article_id, fetch.url, fetch.crawl_id, iso(fetch.checked_at), fetch.http_status, outcome,
         fetch.error, version_id, fetch.duration_ms])
    return cursor.lastrowid
