"""Reads only: every function returns data (dicts and lists), never prints."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from db.schema import iso
from db.where import Where

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils


class ArticleNotFound(LookupError):
    """No tracked article has this URL."""

    def __init__(self, url: str):
        super().__init__(f"no tracked article with URL {url!r} (`newswatch articles` lists them)")
        self.url = url


class VersionNotFound(LookupError):
    """The article has no version with this number."""

    def __init__(self, url: str, version: int, count: int):
        super().__init__(f"{url} has versions 1..{count}, not {version}")
        self.url, self.version, self.count = url, version, count


class NothingToCompare(VersionNotFound):
    """A diff asked for the version before the first."""

    def __init__(self, url: str, count: int):
        LookupError.__init__(self, f"{url} has only one version; nothing to compare" if count == 1
                             else f"{url}: version 1 is the first; nothing to compare it with")
        self.url, self.version, self.count = url, 0, count


IN_CHUNK = 500  # values per `in (...)`: under SQLite's bound-parameter limit


def in_chunks(db: sqlite_utils.Database, sql: str, values: Iterable, repeat: int = 1) -> Iterator[tuple]:
    """Rows of `sql`, whose `{marks}` (`repeat` times) is a `?,?,…` list, run over `values`
    IN_CHUNK at a time."""
    values = list(values)
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        yield from db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk * repeat)


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """Which of `urls` are already tracked articles."""
    return {row[0] for row in in_chunks(db, "select url from articles where url in ({marks}) "
                                            "union select url from aliases where url in ({marks})",
                                        urls, repeat=2)}


def due_articles(db: sqlite_utils.Database, now: datetime, *, sources: Iterable[str] | None = None,
                 every: bool = False, urls: Iterable[str] | None = None) -> list[dict]:
    """Articles to re-check: due by `next_check_at`, or all of them (`every`), or just `urls`."""
    where, params = [], []
    if urls is not None:
        urls = list(urls)
        where.append(f"url in ({','.join('?' * len(urls))})")
        params += urls
    elif not every:
        where.append("next_check_at is not null and next_check_at <= ?")
        params.append(iso(now))
    else:  # `--all`: every article still tracked (`newswatch remove` untracks)
        where.append("status != 'untracked'")
    if sources is not None:
        sources = list(sources)
        where.append(f"source in ({','.join('?' * len(sources))})")
        params += sources
    sql = ("select id, url, source, next_check_at, last_checked, etag, last_modified, raw_hash "
           "from articles")  # last_checked: the interval for the backlog priority
    if where:
        sql += " where " + " and ".join(where)
    return list(db.query(sql + " order by next_check_at is null, next_check_at, id", params))


def events_since(db: sqlite_utils.Database, since: datetime | None = None, *,
                 source: str | None = None, kind: str | None = None, limit: int | None = None) -> list[dict]:
    """Status and URL changes of articles, newest first."""
    where = Where().since("at", since).equals("source", source).equals("kind", kind)
    sql = f"select * from article_events{where} order by at desc, id desc" + (f" limit {int(limit)}" if limit else "")
    return list(db.query(sql, where.params))


# Check outcomes that mean the URL gave no usable article this time.
FAILED_OUTCOMES = ("missing", "blocked", "suspect", "error")


def failing_urls(db: sqlite_utils.Database, since: datetime | None = None, *,
                 source: str | None = None, limit: int | None = None) -> list[dict]:
    """URLs whose checks failed since `since`, most recent first: how often, the last outcome
    and its reason, and whether the URL is a tracked article (new URLs that never gave one too)."""
    where = Where().among("c.outcome", FAILED_OUTCOMES).since("c.checked_at", since).equals("c.source", source)
    sql = (
        "select c.url, c.source, a.id as article_id, a.status, "
        "count(*) as failures, max(c.checked_at) as last_at, "
        "(select c2.outcome from checks c2 where c2.url = c.url order by c2.id desc limit 1) as last_outcome, "
        "(select c2.error from checks c2 where c2.url = c.url order by c2.id desc limit 1) as last_error "
        f"from checks c left join articles a on a.id = c.article_id{where} group by c.url order by last_at desc")
    if limit:
        sql += f" limit {int(limit)}"
    return list(db.query(sql, where.params))


# `changes --field` and `--kind`: each name is a condition on the `changes` view.
FIELD_FILTERS = {f: f"{f}_changed = 1" for f in ("title", "byline", "body", "captions", "published")}
KIND_FILTERS = {
    "correction": "notice = 'correction'", "update": "notice = 'update'",
    "editors-note": "notice = 'editors_note'", "notice": "notice is not null",
    "number": "numbers_changed > 0", "quote": "quotes_changed > 0",
    "rewrite": "sentences_rewritten > 0", "move": "sentences_moved > 0",
    "addition": "sentences_added > 0", "deletion": "sentences_deleted > 0", "minor": "minor = 1", "stealth": "stealth = 1",
}
# Edited and deleted live-blog entries are rows of `live_changes`, not of the changes view.
LIVE_KINDS = ("live-edit", "live-delete")
KIND_FILTERS.update(dict.fromkeys(LIVE_KINDS, "0"))


def changes_since(db: sqlite_utils.Database, since: datetime | None = None, *,
                  source: str | None = None, limit: int | None = None, until: datetime | None = None,
                  fields: Iterable[str] = (), kinds: Iterable[str] = (),
                  no_minor: bool = False) -> list[dict]:
    """Edits (versions after the first), newest first; several fields or kinds match any of them."""
    where = Where().since("captured_at", since).until("captured_at", until).equals("source", source)
    for names, known in ((list(fields), FIELD_FILTERS), (list(kinds), KIND_FILTERS)):
        if names:
            where.add("(" + " or ".join(known[n] for n in names) + ")")
    if no_minor:
        where.add("minor = 0")
    sql = f"select * from changes{where} order by captured_at desc, version_id desc"
    if limit:
        sql += f" limit {int(limit)}"
    return list(db.query(sql, where.params))


def live_changes_since(db: sqlite_utils.Database, since: datetime | None = None, *,
                       source: str | None = None, limit: int | None = None,
                       until: datetime | None = None, kinds: Iterable[str] = ()) -> list[dict]:
    """Edited and deleted live-blog entries (`kind` live-edit / live-delete), newest first."""
    where = Where().since("l.captured_at", since).until("l.captured_at", until).equals("a.source", source)
    where.among("l.kind", [k for k in kinds if k in LIVE_KINDS])
    sql = ("select l.kind, l.captured_at, l.article_id, a.url, a.source, a.title, e.entry_key, "
           "l.previous_headline, l.headline, l.previous_text, l.text, l.words_added, l.words_removed "
           f"from live_changes l join articles a on a.id = l.article_id join live_entries e on e.id = l.entry_id"
           f"{where} order by l.captured_at desc, l.id desc")
    return list(db.query(sql + (f" limit {int(limit)}" if limit else ""), where.params))


def changes_and_live_since(db: sqlite_utils.Database, since: datetime | None = None, *,
                           source: str | None = None, limit: int | None = None,
                           until: datetime | None = None, fields: Iterable[str] = (),
                           kinds: Iterable[str] = (), no_minor: bool = False) -> list[dict]:
    """`changes_since` and, unless a field or only version kinds are asked for, the edited and
    deleted live-blog entries (`live_changes_since`), newest first."""
    fields, kinds = list(fields), list(kinds)
    rows = [] if kinds and set(kinds) <= set(LIVE_KINDS) else changes_since(
        db, since, source=source, limit=limit, until=until, fields=fields, kinds=kinds, no_minor=no_minor)
    if not fields and (not kinds or set(kinds) & set(LIVE_KINDS)):
        rows += live_changes_since(db, since, source=source, limit=limit, until=until, kinds=kinds)
    rows.sort(key=lambda r: r["captured_at"], reverse=True)
    return rows[:limit] if limit else rows


def live_stream(db: sqlite_utils.Database, article_id: int) -> dict | None:
    """A live blog's stream: its entries, and per reading how many were new, edited, deleted
    (oldest reading first); None for an article that is not a live blog."""
    entries = list(db.query("select entry_key, headline, text, published, first_seen, last_seen, "
                            "edited_at, deleted_at from live_entries where article_id = ? "
                            "order by seq desc", [article_id]))
    if not entries:
        return None
    readings: dict[str, dict] = {}
    for row in db.query("select first_seen as at, count(*) as n from live_entries where article_id = ? "
                        "group by first_seen", [article_id]):
        readings.setdefault(row["at"], {"at": row["at"], "new": 0, "edited": 0, "deleted": 0})["new"] = row["n"]
    changes = list(db.query("select l.kind, l.captured_at, l.previous_headline, l.headline, e.entry_key, "
                            "l.words_added, l.words_removed from live_changes l join live_entries e "
                            "on e.id = l.entry_id where l.article_id = ? order by l.id", [article_id]))
    for change in changes:
        reading = readings.setdefault(change["captured_at"], {"at": change["captured_at"], "new": 0,
                                                              "edited": 0, "deleted": 0})
        reading["edited" if change["kind"] == "live-edit" else "deleted"] += 1
    return {"entries": len(entries), "deleted": sum(1 for e in entries if e["deleted_at"]),
            "edited": sum(1 for c in changes if c["kind"] == "live-edit"),
            "readings": sorted(readings.values(), key=lambda r: r["at"]), "changes": changes,
            "stream": entries}


def find_article(db: sqlite_utils.Database, *urls: str) -> dict | None:
    """The article known under the first of `urls` that is tracked, as its own URL or as an
    alias (an old slug, a redirect's source): the one lookup of an article by URL."""
    for url in dict.fromkeys(urls):
        row = next(db.query("select * from articles where url = ?", [url]), None) or next(
            db.query("select a.* from aliases x join articles a on a.id = x.article_id "
                     "where x.url = ?", [url]), None)
        if row is not None:
            return row
    return None


def article_by_url(db: sqlite_utils.Database, url: str, *also: str) -> dict:
    """`find_article`, or ArticleNotFound naming `url`. `also`: other spellings of the same URL
    to try (crawler.urls.lookup_forms gives them for a URL as a user pasted it)."""
    row = find_article(db, url, *also)
    if row is None:
        raise ArticleNotFound(url)
    return row


def articles_of(db: sqlite_utils.Database, sources: Iterable[str] = ()) -> list[dict]:
    """Every tracked article of these sources (all sources when none is named), oldest first."""
    where = Where().among("source", sources)
    return list(db.query(f"select * from articles{where} order by id", where.params))


def last_check(db: sqlite_utils.Database, url: str) -> dict:
    """The newest check of `url` (its outcome and error), or {} when it was never checked."""
    return next(db.query("select * from checks where url = ? order by id desc limit 1", [url]), {})


def change_details(db: sqlite_utils.Database, version_ids: Iterable[int]) -> dict[int, dict]:
    """The stored detail of the change records of these versions (fields and sentence ops)."""
    import json

    return {vid: json.loads(detail) if detail else {} for vid, detail in in_chunks(
        db, "select version_id, detail from change_records where version_id in ({marks})", version_ids)}


def list_articles(db: sqlite_utils.Database, *, source: str | None = None,
                  status: str | None = None, limit: int | None = None) -> list[dict]:
    """Tracked articles, most recently first seen first: URL, headline, versions, status (with
    its reason and since when), last and next check."""
    where = Where().equals("source", source).equals("status", status)
    sql = ("select id, url, source, title, version_count as versions, status, status_detail, "
           f"status_since, first_seen, last_checked, last_changed, next_check_at from articles{where} "
           "order by first_seen desc, id desc")
    if limit:
        sql += f" limit {int(limit)}"
    return list(db.query(sql, where.params))


def article_history(db: sqlite_utils.Database, url: str, *also: str) -> dict:
    """The article row plus its versions (oldest first, without bodies) and its last checks."""
    article = article_by_url(db, url, *also)
    article["versions"] = list(db.query(
        "select id, version, captured_at, title, byline, words_added, words_removed, title_changed, "
        "byline_changed, body_changed, captions_changed, content_hash, origin, archive_url from versions "
        "where article_id = ? order by version",
        [article["id"]]))
    article["checks"] = list(db.query(
        "select checked_at, http_status, outcome, error from checks where article_id = ? "
        "order by id desc limit 20", [article["id"]]))
    article["placements"] = list(db.query(
        "select front, link_text, section, rank_band, best_rank, first_seen, last_seen, readings, open "
        "from placements where url = ? order by first_seen, id", [article["url"]]))
    article["live"] = live_stream(db, article["id"])
    return article


def get_version(db: sqlite_utils.Database, url: str, number: int | None = None,
                also: tuple[str, ...] = ()) -> dict:
    """One version of an article (the current one by default), with its text."""
    article = article_by_url(db, url, *also)
    number = article["version_count"] if number is None else number
    row = next(db.query("select * from versions where article_id = ? and version = ?",
                        [article["id"], number]), None)
    if row is None:
        raise VersionNotFound(url, number, article["version_count"])
    row["url"] = url
    return row


def version_pair(db: sqlite_utils.Database, url: str, a: int | None = None, b: int | None = None,
                 also: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """Versions `a` and `b` of an article, to compare: by default its last two; `a` alone: a and
    a + 1; `b` alone: b - 1 and b. `also`: other spellings of the URL, as for `article_by_url`."""
    article = article_by_url(db, url, *also)
    if b is None:
        b = a + 1 if a is not None else article["version_count"]
    if a is None:
        a = b - 1
    if a < 1:
        raise NothingToCompare(article["url"], article["version_count"])
    return get_version(db, article["url"], a), get_version(db, article["url"], b)


def crawl(db: sqlite_utils.Database, crawl_id: int) -> dict | None:
    return next(db.query("select * from crawls where id = ?", [crawl_id]), None)


def article_counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {
        "articles": db.execute("select count(*) from articles").fetchone()[0],
        "versions": db.execute("select count(*) from versions").fetchone()[0],
        "checks": db.execute("select count(*) from checks").fetchone()[0],
        "changes": db.execute("select count(*) from versions where version > 1").fetchone()[0],
    }


class BadSearch(ValueError):
    """A full-text query that cannot be searched, even as plain words."""

    def __init__(self, query: str, why: str):
        super().__init__(f"cannot search for {query!r}: {why} (quote phrases, e.g. '\"new era\"')")
        self.query = query


def search_versions(db: sqlite_utils.Database, query: str, *, current_only: bool = False,
                    source: str | None = None, limit: int = 20) -> list[dict]:
    """Versions whose headline or body match an FTS5 query, best first. A query that is not valid
    FTS5 syntax is retried as plain words."""
    try:
        return _search(db, query, current_only, source, limit)
    except sqlite3.OperationalError as exc:
        words = " ".join('"' + w.replace('"', '""') + '"' for w in query.split())
        if not words:
            raise BadSearch(query, "nothing to search for") from None
        try:
            return _search(db, words, current_only, source, limit)
        except sqlite3.OperationalError:
            raise BadSearch(query, str(exc)) from None


def _search(db, query: str, current_only: bool, source: str | None, limit: int) -> list[dict]:
    where = Where().add("versions_fts match ?", query).equals("a.source", source)
    if current_only:  # only the versions readers see now
        where.add("v.id = a.current_version_id")
    return list(db.query(
        "select v.id as version_id, a.url, a.source, v.version, v.captured_at, v.title, "
        "v.id = a.current_version_id as is_current, "
        "snippet(versions_fts, 1, '[', ']', '…', 16) as snippet "
        "from versions_fts join versions v on v.id = versions_fts.rowid "
        "join articles a on a.id = v.article_id "
        f"{where} order by versions_fts.rank limit {int(limit)}", where.params))


EXPORTS = {
    "articles": ("select * from articles", "first_seen", "id"),
    "versions": ("select a.url, a.source, v.* from versions v join articles a on a.id = v.article_id",
                 "v.captured_at", "v.id"),
    "changes": ("select ch.*, c.detail from changes ch join change_records c on c.version_id = ch.version_id",
                "ch.captured_at", "ch.version_id"),
}


def export_rows(db: sqlite_utils.Database, what: str, *, since: datetime | None = None,
                source: str | None = None) -> Iterable[dict]:
    """Every row of articles / versions / changes (streamed, oldest first)."""
    sql, moment, order = EXPORTS[what]
    where = Where().since(moment, since).equals("source", source)
    return db.query(f"{sql}{where} order by {order}", where.params)
