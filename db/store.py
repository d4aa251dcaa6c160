"""Writes: one transaction each; a new version only when the normalized content hash moved."""
from __future__ import annotations

import difflib
import hashlib
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from db.changes import record_change
from db.live import record_entries, touch_shown
from db.queries import find_article
from db.schema import each_all_or_nothing, iso, parse_iso, write_transaction
from db.textdiff import words

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

# next check time from (age basis, now, edited?, *, unchanged=checks in a row that found no
# change, key=the article's URL for its jitter) -> None means "stop checking"; passed in by the
# crawler so that the policy lives with the scheduler settings, not in the database layer
# (crawler.recheck.policy.schedule_for builds one).
Schedule = Callable[..., "datetime | None"]

# What a check found. Only `new` and `changed` write a version. `missing` is a 404/410 or a 200
# that reads like an error page (a soft 404); `blocked` a paywall, consent wall or bot check.
OUTCOMES = ("new", "changed", "unchanged", "not_modified", "unchanged_raw", "missing", "blocked",
            "suspect", "error")
# The crawl counter (`crawls` columns) each outcome adds to; the checks table keeps the detail.
COUNTED_AS = {"new": "new", "changed": "changed", "unchanged": "unchanged",
              "not_modified": "unchanged", "unchanged_raw": "unchanged", "missing": "failed",
              "blocked": "failed", "suspect": "failed", "error": "failed"}
# Article statuses; every change of status is an `events` row, and the article keeps the reason
# and the moment of its current status (`status_detail`, `status_since`).
STATUSES = ("live", "gone", "restored", "error", "blocked", "suspect")
# `newswatch remove`: no longer re-checked (next_check_at null) by the user's choice; history kept.
STATUSES = STATUSES + ("untracked",)
# Stand-in pages (crawler.outcomes): an error page counts toward `gone` like a 404; the others
# are walls, `blocked`, and never a version.
SOFT_404 = "soft-404"
# A failing article (5xx, timeout, reset) is retried after 5 min, then 10, 20 … at most a day.
ERROR_BACKOFF_FIRST, ERROR_BACKOFF_MAX = timedelta(minutes=5), timedelta(days=1)
# A 200 whose body collapses under this share of the last version's is held back as suspect.
SUSPECT_SHRINK = 0.2


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
    final_url: str | None = None  # the article's own URL: after redirects, rel=canonical / og:url
    not_modified: bool = False  # the server answered 304 to our validators
    raw_hash: str | None = None  # sha256 of the response body, to skip cleaning an identical page
    etag: str | None = None
    last_modified: str | None = None
    # The page stands in for the article: "soft-404", "paywall", "consent" or "bot-check", and why.
    not_article: str | None = None
    not_article_reason: str | None = None
    paywalled: bool = False  # the page declares itself not free (JSON-LD isAccessibleForFree)
    result_id: str | None = None  # A distributed result's idempotency key (unique in checks)


@dataclass(frozen=True)
class Rules:
    """Lifecycle thresholds (configurable in the sources file's [settings])."""

    gone_after: int = 2  # consecutive 404/410 before an article is `gone`
    suspect_confirmations: int = 2  # identical suspect fetches before they are believed


@dataclass(frozen=True)
class Content:
    """What a reader sees of the article; title, byline, body and captions make a version."""

    title: str
    byline: str
    body: str
    published: str | None = None
    modified: str | None = None
    cleaner_version: str | None = None
    captions: str = ""  # image captions in page order, one per line, credits removed
    # The page bytes, kept (compressed, in `version_html`) only when the crawl keeps HTML.
    raw_html: bytes | None = field(default=None, repr=False, compare=False)
    # A live blog: its entries are a stream (db.live), not part of the version. Each entry is a
    # dict (key, headline, text, published) so that the distributed path sends it as JSON.
    live: bool = False
    entries: tuple[dict, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class FetchResult:
    outcome: str
    article_id: int | None = None
    version: int | None = None
    version_id: int | None = None
    words_added: int = 0
    words_removed: int = 0


def normalize_line(text: str) -> str:
    # Same rule as the cleaner (NFC, control characters other than whitespace removed, any
    # whitespace run -> one space); repeated here so that the hash is stable whatever produced
    # the text. Letters and punctuation are untouched.
    return " ".join(unicodedata.normalize("NFC", text).translate(_CONTROLS).split())


# C0, DEL and C1 controls that are not whitespace (ESC, BEL, …): never stored, never hashed.
_CONTROLS = dict.fromkeys(c for c in [*range(0x20), *range(0x7f, 0xa0)] if not chr(c).isspace())


def normalize_body(body: str) -> str:
    return "\n".join(line for line in map(normalize_line, body.splitlines()) if line)


def content_hash(title: str, byline: str, body: str, captions: str = "") -> str:
    """sha256 of the normalized (title, byline, body, captions): the only thing that decides a
    new version. A page without captions hashes as it did before captions were kept."""
    parts = [normalize_line(title), normalize_line(byline), normalize_body(body)]
    if normalize_body(captions):
        parts.append(normalize_body(captions))
    canon = "\x1e".join(parts)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def word_delta(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) between two texts, by a word-level diff.

    Lines (paragraphs) are matched first and only the lines that differ are diffed word by
    word: an edit touches a few paragraphs of an article, and a word-level SequenceMatcher
    over the whole text cost ~3 ms per new version."""
    a_lines, b_lines = old.splitlines(), new.splitlines()
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_lines, b_lines,
                                                       autojunk=False).get_opcodes():
        if tag != "equal":
            words = _words_delta("\n".join(a_lines[i1:i2]), "\n".join(b_lines[j1:j2]))
            added, removed = added + words[0], removed + words[1]
    return added, removed


def _words_delta(old: str, new: str) -> tuple[int, int]:
    a, b = words(old), words(new)
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


def add_to_crawl(db: sqlite_utils.Database, crawl_id: int, counts: dict[str, int], status: str,
                 error: str | None = None) -> None:
    """One worker process of a sharded crawl adds its counts to the crawl's row; a
    worker that did not finish (`stopped (shutdown)`, ...) leaves its status there."""
    fields = ("fetched", "new", "changed", "unchanged", "failed")
    with write_transaction(db):
        db.execute(
            "update crawls set " + ", ".join(f"{f} = coalesce({f}, 0) + ?" for f in fields)
            + ", status = case when ? = 'finished' then status else ? end"
            # every worker reads the same feeds: a discovery error is kept once
            + ", error = case when ? is null then error when error is null then ? "
              "when instr(error, ?) > 0 then error else error || '; ' || ? end where id = ?",
            [*(counts.get(f, 0) for f in fields), status, status, error, error, error, error,
             crawl_id])


def end_crawl(db: sqlite_utils.Database, crawl_id: int, status: str, finished_at: datetime) -> None:
    """Close a sharded crawl's row once every worker ended: `status` unless a worker left one."""
    with write_transaction(db):
        db.execute("update crawls set finished_at = ?, status = case when status = 'running' "
                   "then ? else status end where id = ?", [iso(finished_at), status, crawl_id])


def record_fetch(db: sqlite_utils.Database, fetch: Fetch, content: Content | None,
                 schedule: Schedule, rules: Rules = Rules()) -> FetchResult:
    """Record one fetch and, when the article's content hash moved, its new version."""
    with write_transaction(db):
        return record_fetch_in(db, fetch, content, schedule, rules)


def record_fetches(db: sqlite_utils.Database, fetches: Sequence[tuple[Fetch, Content | None]],
                   schedule: Schedule, rules: Rules = Rules()) -> list[FetchResult | Exception]:
    """A batch of fetches in one transaction, each all-or-nothing: a fetch whose write raises is
    rolled back alone and its exception takes its place in the result (the batched writers)."""
    with write_transaction(db):
        return each_all_or_nothing(db, fetches, lambda fetch: record_fetch_in(
            db, fetch[0], fetch[1], schedule, rules))


def record_fetch_in(db: sqlite_utils.Database, fetch: Fetch, content: Content | None,
                    schedule: Schedule, rules: Rules = Rules()) -> FetchResult:
    """`record_fetch` inside a transaction the caller holds (`ingest` writes a batch
    of fetches in one transaction)."""
    stand_in = fetch.error is None and fetch.not_article is not None
    # A page standing in for the article says nothing about the article's URL (an error page's
    # canonical or a redirect to the home page is not where the article moved).
    article = find_article(db, fetch.url) if stand_in else \
        find_article(db, fetch.final_url or fetch.url, fetch.url)
    if article is not None and not stand_in:
        _reconcile_url(db, article, fetch)
    if fetch.http_status in (404, 410) or (stand_in and fetch.not_article == SOFT_404):
        return _record_missing(db, fetch, article, rules)
    if fetch.error is None and article is not None and _unchanged_raw(article, fetch):
        return _record_no_change(db, fetch, article, schedule,
                                 "not_modified" if fetch.not_modified else "unchanged_raw")
    if fetch.error is not None or content is None:
        return _record_error(db, fetch, article)
    if stand_in:
        return _record_blocked(db, fetch, article, schedule, fetch.not_article_reason or fetch.not_article)
    if article is None:
        article = _insert_article(db, fetch, content)
    else:
        collapsed = _collapsed(db, article, content)
        if collapsed and fetch.paywalled:
            return _record_blocked(db, fetch, article, schedule,
                                   f"declares itself not free (isAccessibleForFree) and its {collapsed}")
        if collapsed and _held_back_as_suspect(db, fetch, article, content, rules, collapsed):
            return FetchResult("suspect", article["id"])
    return _record_content(db, fetch, article, content, schedule)


def _reconcile_url(db: sqlite_utils.Database, article: dict, fetch: Fetch) -> None:
    """A tracked article seen under another URL keeps its identity: the old URL becomes an
    alias, the new one its URL, and the move is an event (slugs change)."""
    at = iso(fetch.checked_at)
    for url in dict.fromkeys([fetch.url, fetch.final_url or fetch.url]):
        if url != article["url"]:
            db.execute("insert or ignore into aliases (url, article_id, first_seen) values (?, ?, ?)",
                       [url, article["id"], at])
    new_url = fetch.final_url
    if new_url and new_url != article["url"] and fetch.error is None:
        owner = find_article(db, new_url)
        if owner is not None and owner["id"] != article["id"]:
            return  # another article owns that URL: leave both alone rather than merge histories
        db.execute("insert or ignore into aliases (url, article_id, first_seen) values (?, ?, ?)",
                   [article["url"], article["id"], at])
        db.execute("delete from aliases where url = ?", [new_url])
        db.execute("update articles set url = ? where id = ?", [new_url, article["id"]])
        _event(db, article["id"], fetch.checked_at, "url_changed", article["url"], new_url)
        article["url"] = new_url


def _unchanged_raw(article: dict, fetch: Fetch) -> bool:
    if fetch.not_modified:
        return True
    return bool(fetch.raw_hash) and fetch.raw_hash == article.get("raw_hash") \
        and article.get("current_version_id") is not None


def _record_no_change(db: sqlite_utils.Database, fetch: Fetch, article: dict, schedule: Schedule,
                      outcome: str) -> FetchResult:
    """A 304 or a byte-identical page: nothing was cleaned, the article is as it was."""
    _insert_check(db, fetch, article["id"], outcome, None)
    touch_shown(db, article["id"], iso(fetch.checked_at))
    _mark_fetched_ok(db, fetch, article)
    _update_article(db, fetch, article, None, schedule, changed=False)
    return FetchResult(outcome, article["id"])


def _record_missing(db: sqlite_utils.Database, fetch: Fetch, article: dict | None,
                    rules: Rules) -> FetchResult:
    """404/410 or a soft 404: `gone` after `rules.gone_after` in a row; never a version, never
    deleted."""
    why = f"HTTP {fetch.http_status}" if fetch.http_status in (404, 410) else \
        f"soft 404: {fetch.not_article_reason or 'reads like an error page'}"
    if article is None:
        _insert_check(db, fetch, None, "missing", None, error=why)
        return FetchResult("missing")
    count = (article.get("missing_count") or 0) + 1
    _insert_check(db, fetch, article["id"], "missing", None, error=why)
    if count >= rules.gone_after:
        _set_status(db, article, "gone", fetch.checked_at, f"{why} x{count}")
    db.execute("update articles set missing_count = ?, last_checked = ?, next_check_at = ? "
               "where id = ?", [count, iso(fetch.checked_at),
                                iso(fetch.checked_at + _backoff(count)), article["id"]])
    return FetchResult("missing", article["id"])


def _record_blocked(db: sqlite_utils.Database, fetch: Fetch, article: dict | None,
                    schedule: Schedule, why: str) -> FetchResult:
    """A paywall, consent wall or bot check: `blocked` with the reason, never a version however
    long it lasts. The article keeps its last good version and its validators, and is checked
    again on its normal schedule, backing off while the wall stays."""
    if article is None:
        _insert_check(db, fetch, None, "blocked", None, error=why)
        return FetchResult("blocked")
    _insert_check(db, fetch, article["id"], "blocked", None, error=why)
    _set_status(db, article, "blocked", fetch.checked_at, why)
    _update_article(db, fetch, article, None, schedule, changed=False)
    return FetchResult("blocked", article["id"])


def _collapsed(db: sqlite_utils.Database, article: dict, content: Content) -> str | None:
    """'body shrank to 40 of 2,300 characters' when the body collapsed under SUSPECT_SHRINK of
    the last version's, else None."""
    previous = _current_version(db, article)
    size = len(normalize_body(content.body))
    if previous is None or size >= SUSPECT_SHRINK * len(previous["body"]):
        return None
    return f"body shrank to {size} of {len(previous['body'])} characters"


def _held_back_as_suspect(db: sqlite_utils.Database, fetch: Fetch, article: dict, content: Content,
                          rules: Rules, why: str) -> bool:
    """True when this collapsed body (an article cut short, in an article's words) must not
    become a version yet: it has not been seen `rules.suspect_confirmations` times in a row."""
    digest = content_hash(content.title, content.byline, content.body, content.captions)
    count = (article.get("suspect_count") or 0) + 1 if article.get("suspect_hash") == digest else 1
    if count >= rules.suspect_confirmations:
        db.execute("update articles set suspect_hash = null, suspect_count = 0 where id = ?",
                   [article["id"]])
        return False  # seen often enough: it is what the site now publishes
    _insert_check(db, fetch, article["id"], "suspect", None, error=why)
    _set_status(db, article, "suspect", fetch.checked_at, why)
    db.execute("update articles set suspect_hash = ?, suspect_count = ?, last_checked = ?, "
               "next_check_at = ? where id = ?", [digest, count, iso(fetch.checked_at),
                                                  iso(fetch.checked_at + ERROR_BACKOFF_FIRST),
                                                  article["id"]])
    return True


def _healthy(status: str) -> str:
    return "restored" if status in ("gone", "blocked") else "live"


def _set_status(db: sqlite_utils.Database, article: dict, status: str, at: datetime,
                detail: str | None = None) -> None:
    if article.get("status") == status:
        return
    db.execute("update articles set status = ?, status_since = ?, status_detail = ? where id = ?",
               [status, iso(at), detail, article["id"]])
    _event(db, article["id"], at, "status", article.get("status"), status, detail)
    article["status"] = status


def _event(db: sqlite_utils.Database, article_id: int, at: datetime, kind: str, old: str | None,
           new: str | None, detail: str | None = None) -> None:
    db.execute("insert into events (article_id, at, kind, old, new, detail) values (?, ?, ?, ?, ?, ?)",
               [article_id, iso(at), kind, old, new, detail])


def _backoff(failures: int) -> timedelta:
    return min(ERROR_BACKOFF_FIRST * 2 ** max(failures - 1, 0), ERROR_BACKOFF_MAX)


def _insert_article(db: sqlite_utils.Database, fetch: Fetch, content: Content) -> dict:
    url = fetch.final_url or fetch.url
    cursor = db.execute(
        "insert into articles (url, source, first_seen, status, version_count, title, published) "
        "values (?, ?, ?, 'live', 0, ?, ?)",
        [url, fetch.source, iso(fetch.checked_at), content.title, content.published])
    if url != fetch.url:
        db.execute("insert or ignore into aliases (url, article_id, first_seen) values (?, ?, ?)",
                   [fetch.url, cursor.lastrowid, iso(fetch.checked_at)])
    return {"id": cursor.lastrowid, "url": url, "first_seen": iso(fetch.checked_at),
            "current_version_id": None, "version_count": 0, "published": content.published,
            "status": "live"}


def _record_error(db: sqlite_utils.Database, fetch: Fetch, article: dict | None) -> FetchResult:
    """5xx, timeouts, resets, non-HTML: a check row with the reason, back-off, never a version."""
    if article is None:
        _insert_check(db, fetch, None, "error", None)
        return FetchResult("error")
    failures = (article.get("consecutive_errors") or 0) + 1
    _insert_check(db, fetch, article["id"], "error", None)
    if article["status"] != "gone":
        _set_status(db, article, "error", fetch.checked_at, fetch.error)
    db.execute("update articles set last_checked = ?, consecutive_errors = ?, next_check_at = ? "
               "where id = ?", [iso(fetch.checked_at), failures,
                                iso(fetch.checked_at + _backoff(failures)), article["id"]])
    return FetchResult("error", article["id"])


def _record_content(db: sqlite_utils.Database, fetch: Fetch, article: dict, content: Content,
                    schedule: Schedule) -> FetchResult:
    digest = content_hash(content.title, content.byline, content.body, content.captions)
    previous = _current_version(db, article)
    _mark_fetched_ok(db, fetch, article)
    if previous is not None and previous["content_hash"] == digest:
        check_id = _insert_check(db, fetch, article["id"], "unchanged", None)
        _record_live(db, article, content, fetch, check_id)
        _update_article(db, fetch, article, None, schedule, changed=False)
        return FetchResult("unchanged", article["id"])
    number = (previous["version"] if previous else 0) + 1
    flags = _change_flags(previous, content)
    cursor = db.execute(
        "insert into versions (article_id, version, captured_at, title, byline, published, modified, "
        "body, content_hash, words_added, words_removed, title_changed, byline_changed, body_changed, "
        "captions_changed, cleaner_version, captions) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?)",
        [article["id"], number, iso(fetch.checked_at), normalize_line(content.title),
         normalize_line(content.byline), content.published, content.modified,
         normalize_body(content.body), digest, *flags, content.cleaner_version,
         normalize_body(content.captions)])
    version_id = cursor.lastrowid
    record_change(db, article["id"], version_id, previous, _stored_fields(content), iso(fetch.checked_at))
    keep_html(db, version_id, content.raw_html)
    outcome = "new" if previous is None else "changed"
    check_id = _insert_check(db, fetch, article["id"], outcome, version_id)
    db.execute("update versions set check_id = ? where id = ?", [check_id, version_id])
    _record_live(db, article, content, fetch, check_id)
    _update_article(db, fetch, article, (version_id, number, content), schedule, changed=True)
    return FetchResult(outcome, article["id"], number, version_id, flags[0], flags[1])


def _record_live(db: sqlite_utils.Database, article: dict, content: Content, fetch: Fetch,
                 check_id: int) -> None:
    """A live blog's entries join its stream; a reading with new, edited or deleted entries
    counts as activity for the schedule, like an edit (it is re-checked soon, not backed off)."""
    if not content.live:
        return
    reading = record_entries(db, article["id"], content.entries, iso(fetch.checked_at), check_id)
    if reading.new or reading.edited or reading.deleted:
        article["unchanged_checks"] = -1  # _update_article adds one: the streak starts again


def _current_version(db: sqlite_utils.Database, article: dict) -> dict | None:
    if not article.get("current_version_id"):
        return None
    columns = ("id", "version", "content_hash", "title", "byline", "body", "published", "captions",
               "modified")
    row = db.execute(f"select {', '.join(columns)} from versions where id = ?",
                     [article["current_version_id"]]).fetchone()
    return dict(zip(columns, row)) if row else None


def _stored_fields(content: Content) -> dict:
    """The fields of a version as `versions` stores them (what change records compare)."""
    return {"title": normalize_line(content.title), "byline": normalize_line(content.byline),
            "body": normalize_body(content.body), "published": content.published,
            "captions": normalize_body(content.captions), "modified": content.modified}


def keep_html(db: sqlite_utils.Database, version_id: int, raw_html: bytes | None) -> None:
    """Store the page a version was cleaned from, zlib-compressed, when the crawl keeps HTML."""
    if raw_html:
        db.execute("insert or replace into version_html (version_id, codec, size, html) "
                   "values (?, 'zlib', ?, ?)", [version_id, len(raw_html), zlib.compress(raw_html, 6)])


def _change_flags(previous: dict | None, content: Content) -> tuple[int, ...]:
    """words added, words removed, and which of title / byline / body / captions changed."""
    return change_flags(previous, _stored_fields(content))


def change_flags(previous: dict | None, new: dict) -> tuple[int, ...]:
    """(words added, words removed, title, byline, body and captions changed) from the stored
    fields of the previous version (None for a first version) to the new one's. Words count
    in headline and body; captions have their own flag."""
    text = f"{new['title']}\n{new['body']}"
    if previous is None:
        return len(words(text)), 0, 0, 0, 0, 0
    added, removed = word_delta(f"{previous['title']}\n{previous['body']}", text)
    return (added, removed, *(int((previous.get(f) or "") != (new.get(f) or ""))
                              for f in ("title", "byline", "body", "captions")))


def _update_article(db: sqlite_utils.Database, fetch: Fetch, article: dict,
                    new_version: tuple[int, int, Content] | None, schedule: Schedule,
                    changed: bool) -> None:
    # Age counts from publication when the page says it, else from when we first saw it.
    basis = parse_iso(article.get("published")) or parse_iso(article["first_seen"])
    # Unchanged checks in a row back the schedule off; an edit (not a first version)
    # brings the next check forward.
    unchanged = 0 if new_version is not None else (article.get("unchanged_checks") or 0) + 1
    edited = changed and new_version is not None and new_version[1] > 1
    next_at = schedule(basis, fetch.checked_at, edited, unchanged=unchanged,
                       key=article.get("url") or fetch.url)
    now = iso(fetch.checked_at)
    if new_version is None:
        db.execute("update articles set unchanged_checks = ?, last_checked = ?, next_check_at = ? "
                   "where id = ?", [unchanged, now, iso(next_at) if next_at else None, article["id"]])
        return
    version_id, number, content = new_version
    db.execute(
        "update articles set unchanged_checks = ?, last_checked = ?, next_check_at = ?, "
        "last_changed = ?, current_version_id = ?, version_count = ?, title = ?, "
        "published = coalesce(published, ?) where id = ?",
        [unchanged, now, iso(next_at) if next_at else None, now, version_id, number,
         normalize_line(content.title), content.published, article["id"]])


def _mark_fetched_ok(db: sqlite_utils.Database, fetch: Fetch, article: dict) -> None:
    """A good fetch: keep the validators for the next conditional request, clear the failure
    counters, and bring a gone / failing / suspect article back."""
    db.execute(
        "update articles set etag = coalesce(?, etag), last_modified = coalesce(?, last_modified), "
        "raw_hash = coalesce(?, raw_hash), consecutive_errors = 0, missing_count = 0, "
        "suspect_hash = null, suspect_count = 0 where id = ?",
        [fetch.etag, fetch.last_modified, fetch.raw_hash, article["id"]])
    _set_status(db, article, _healthy(article.get("status") or "live"), fetch.checked_at)


def _insert_check(db: sqlite_utils.Database, fetch: Fetch, article_id: int | None, outcome: str,
                  version_id: int | None, *, error: str | None = None) -> int:
    cursor = db.execute(
        "insert into checks (article_id, url, crawl_id, checked_at, http_status, outcome, error, "
        "version_id, duration_ms, result_id, source) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article_id, fetch.url, fetch.crawl_id, iso(fetch.checked_at), fetch.http_status, outcome,
         error or fetch.error, version_id, fetch.duration_ms, fetch.result_id, fetch.source])
    return cursor.lastrowid


def hint_recheck(db: sqlite_utils.Database, url: str, now: datetime,
                 changed_at: datetime | None = None) -> bool:
    """A feed, sitemap or dateModified says `url` changed (at `changed_at`, when it says when):
    make it due now. Revives an article past the last tier
    too. False when `url` is not a tracked article (nor an alias of one), when the change is not
    newer than our last check, or when it was already due by `now`."""
    with write_transaction(db):
        return hint_recheck_in(db, url, now, changed_at)


def hint_recheck_in(db: sqlite_utils.Database, url: str, now: datetime,
                    changed_at: datetime | None = None) -> bool:
    """`hint_recheck` inside a transaction the caller holds (`ingest`'s batches)."""
    article = find_article(db, url)
    if article is None:
        return False
    last = parse_iso(article.get("last_checked"))
    if changed_at is not None and last is not None and changed_at <= last:
        return False
    cursor = db.execute(
        "update articles set next_check_at = ?, unchanged_checks = 0 where id = ? and "
        "(next_check_at is null or next_check_at > ?) and status != 'untracked'",
        [iso(now), article["id"], iso(now)])
    return cursor.rowcount > 0


def reschedule(db: sqlite_utils.Database, schedule: Schedule, fingerprint: str, now: datetime) -> int | None:
    """Re-plan every healthy article's next check with `schedule` when the settings it stands
    for (`fingerprint`, e.g. the tiers) differ from those the stored plan was made with: each
    article's next check is computed again from its last check, as if the new tiers had been
    in force then. Returns how many articles moved, or None when nothing changed. A database
    that has no record yet takes its plan to be made with these settings (it records them)."""
    with write_transaction(db):
        row = db.execute("select value from applied_settings where name = 'schedule'").fetchone()
        if row is None:
            db.execute("insert into applied_settings (name, value, applied_at) values ('schedule', ?, ?)",
                       [fingerprint, iso(now)])
            return None
        if row[0] == fingerprint:
            return None
        moved = 0
        for article in db.query("select id, url, first_seen, published, last_checked, next_check_at, "
                                "unchanged_checks from articles where status in ('live', 'restored') "
                                "and last_checked is not null"):
            basis = parse_iso(article["published"]) or parse_iso(article["first_seen"])
            due = schedule(basis, parse_iso(article["last_checked"]), False,
                           unchanged=article["unchanged_checks"] or 0, key=article["url"])
            due = iso(due) if due else None
            if due != article["next_check_at"]:
                db.execute("update articles set next_check_at = ? where id = ?", [due, article["id"]])
                moved += 1
        db.execute("insert into applied_settings (name, value, applied_at) values ('schedule', ?, ?) "
                   "on conflict(name) do update set value = excluded.value, applied_at = excluded.applied_at",
                   [fingerprint, iso(now)])
        return moved
