"""Reads only: every function returns data (dicts and lists), never prints."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from db.store import iso


class ArticleNotFound(LookupError):
    def __init__(self, url: str):
        super().__init__(f"no tracked article with URL {url!r} (see `newswatch history` or `articles`)")
        self.url = url


class VersionNotFound(LookupError):
    def __init__(self, url: str, version: int, count: int):
        super().__init__(f"{url} has versions 1..{count}, not {version}")
        self.url, self.version, self.count = url, version, count


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """Which of `urls` are already tracked articles."""
    urls = list(urls)
    found: set[str] = set()
    for start in range(0, len(urls), 500):  # stay under SQLite's bound-parameter limit
        chunk = urls[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(f"select url from articles where url in ({marks})", chunk))
    return found


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
    if sources is not None:
        sources = list(sources)
        where.append(f"source in ({','.join('?' * len(sources))})")
        params += sources
    sql = "select id, url, source, next_check_at from articles"
    if where:
        sql += " where " + " and ".join(where)
    return list(db.query(sql + " order by next_check_at is null, next_check_at, id", params))


def changes_since(db: sqlite_utils.Database, since: datetime | None = None, *,
                  source: str | None = None, limit: int | None = None) -> list[dict]:
    """Edits (versions after the first), newest first."""
    where, params = [], []
    if since is not None:
        where.append("captured_at >= ?")
        params.append(iso(since))
    if source is not None:
        where.append("source = ?")
        params.append(source)
    sql = "select * from changes" + (" where " + " and ".join(where) if where else "")
    sql += " order by captured_at desc, version_id desc"
    if limit:
        sql += f" limit {int(limit)}"
    return list(db.query(sql, params))


def article_by_url(db: sqlite_utils.Database, url: str) -> dict:
    row = next(db.query("select * from articles where url = ?", [url]), None)
    if row is None:
        raise ArticleNotFound(url)
    return row


def article_history(db: sqlite_utils.Database, url: str) -> dict:
    """The article row plus its versions (oldest first, without bodies) and its last checks."""
    article = article_by_url(db, url)
    article["versions"] = list(db.query(
        "select id, version, captured_at, title, byline, words_added, words_removed, title_changed, "
        "byline_changed, body_changed, content_hash from versions where article_id = ? order by version",
        [article["id"]]))
    article["checks"] = list(db.query(
        "select checked_at, http_status, outcome, error from checks where article_id = ? "
        "order by id desc limit 20", [article["id"]]))
    return article


def get_version(db: sqlite_utils.Database, url: str, number: int | None = None) -> dict:
    """One version of an article (the current one by default), with its text."""
    article = article_by_url(db, url)
    number = article["version_count"] if number is None else number
    row = next(db.query("select * from versions where article_id = ? and version = ?",
                        [article["id"], number]), None)
    if row is None:
        raise VersionNotFound(url, number, article["version_count"])
    row["url"] = url
    return row


def crawl(db: sqlite_utils.Database, crawl_id: int) -> dict | None:
    return next(db.query("select * from crawls where id = ?", [crawl_id]), None)


def article_counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {
        "articles": db.execute("select count(*) from articles").fetchone()[0],
        "versions": db.execute("select count(*) from versions").fetchone()[0],
        "checks": db.execute("select count(*) from checks").fetchone()[0],
        "changes": db.execute("select count(*) from versions where version > 1").fetchone()[0],
    }
