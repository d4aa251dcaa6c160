"""newswatch's Python API: open a database, list changes, read an article's history, diff, search, clean."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

# Importing newswatch must stay cheap: the CLI (newswatch.cli) imports this package on every
# command, before a crawl starts its workers. So every function imports what it wraps when it
# is called, and the classes below are loaded on first use by __getattr__ (PEP 562).
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from datetime import datetime, timedelta

    import sqlite_utils

    from crawler.cleaner import Article
    from crawler.sources import Config
    from db.changes import ChangeRecord

__all__ = [
    "open_database", "changes", "history", "version", "diff", "search", "clean", "load_sources",
    "Article", "ChangeRecord", "Config", "Source",
    "ArticleNotFound", "VersionNotFound", "BadSearch", "DatabaseError", "SourceConfigError",
]

_LAZY = {
    "Article": ("crawler.cleaner", "Article"),
    "ChangeRecord": ("db.changes", "ChangeRecord"),
    "Config": ("crawler.sources", "Config"),
    "Source": ("crawler.sources", "Source"),
    "ArticleNotFound": ("db.queries", "ArticleNotFound"),
    "VersionNotFound": ("db.queries", "VersionNotFound"),
    "BadSearch": ("db.queries", "BadSearch"),
    "DatabaseError": ("db.schema", "DatabaseError"),
    "SourceConfigError": ("crawler.sources", "SourceConfigError"),
}


def __getattr__(name: str) -> Any:
    """The classes of `__all__`, imported from their modules on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'newswatch' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def open_database(path: str | os.PathLike = "newswatch.db", *, readonly: bool = True) -> sqlite_utils.Database:
    """Open a newswatch database as a `sqlite_utils.Database`.

    Read-only by default, which is safe while `newswatch run` writes to it; an older database is
    migrated once first. Raises DatabaseError when the file is missing or not a newswatch database.
    """
    from db.schema import open_db

    return open_db(path, readonly=readonly)


def changes(db: sqlite_utils.Database, since: datetime | timedelta | None = None, *,
            until: datetime | timedelta | None = None, source: str | None = None,
            fields: Iterable[str] = (), kinds: Iterable[str] = (), no_minor: bool = False,
            limit: int | None = None) -> list[dict]:
    """Edits (every version after an article's first), newest first, as `changes` view rows.

    `since` / `until` are moments or how long ago (`timedelta(days=1)`); None: no bound. `fields`
    (title, byline, body, published) and `kinds` (correction, update, editors-note, notice, number,
    quote, rewrite, move, addition, deletion, minor, stealth) keep the edits that match any of them, as
    `newswatch changes --field / --kind` do; `no_minor` drops punctuation/case/whitespace edits.
    """
    from db import queries

    return queries.changes_since(db, _moment(since), until=_moment(until), source=source,
                                 fields=tuple(fields), kinds=tuple(kinds), no_minor=no_minor,
                                 limit=limit)


def _moment(value: datetime | timedelta | None) -> datetime | None:
    """A timedelta counts back from now (UTC); a naive datetime is taken as UTC."""
    from datetime import datetime, timedelta, timezone

    if isinstance(value, timedelta):
        return datetime.now(timezone.utc) - value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def history(db: sqlite_utils.Database, url: str) -> dict:
    """An article (its `articles` row) with `versions` (oldest first, without bodies) and its last
    20 `checks`, as `newswatch history --json` prints it. Raises ArticleNotFound."""
    from crawler.urls import lookup_forms
    from db import queries

    return queries.article_history(db, url, *lookup_forms(url))


def version(db: sqlite_utils.Database, url: str, number: int | None = None) -> dict:
    """One version of an article with its text (its `versions` row plus `url`); the current one by
    default. Raises ArticleNotFound or VersionNotFound."""
    from crawler.urls import lookup_forms
    from db import queries

    return queries.get_version(db, url, number, also=tuple(lookup_forms(url)))


@overload
def diff(db: sqlite_utils.Database, url: str, a: int | None = ..., b: int | None = ..., *,
         format: Literal["record"] = ...) -> ChangeRecord: ...
@overload
def diff(db: sqlite_utils.Database, url: str, a: int | None = ..., b: int | None = ..., *,
         format: Literal["text", "unified"]) -> str: ...
def diff(db: sqlite_utils.Database, url: str, a: int | None = None, b: int | None = None, *,
         format: Literal["record", "text", "unified"] = "record") -> ChangeRecord | str:
    """How an article changed from version `a` to version `b` (default: its last two versions).

    format="record": the ChangeRecord (changed fields, sentence counts, notice, minor, and `ops`,
    every aligned sentence); "text": what `newswatch diff --no-color` prints; "unified": the plain
    line diff of `newswatch diff --format unified`. Raises ArticleNotFound or VersionNotFound.
    """
    from crawler.urls import lookup_forms
    from db import queries

    old, new = queries.version_pair(db, url, a, b, also=tuple(lookup_forms(url)))
    if format == "unified":
        from db import textdiff

        return textdiff.unified(old, new)
    from db.changes import compare

    record = compare(old, new)
    if format == "record":
        return record
    from newswatch import render

    return render.diff_text(record)


def search(db: sqlite_utils.Database, query: str, *, current_only: bool = False,
           source: str | None = None, limit: int = 20) -> list[dict]:
    """Versions whose headline or body match `query` (SQLite FTS5: words, "a phrase", AND / OR /
    NOT, prefix*), best match first, each with a `snippet`. Text that is not FTS5 syntax is
    searched as plain words; raises BadSearch when nothing is left to search for."""
    from db import queries

    return queries.search_versions(db, query, current_only=current_only, source=source, limit=limit)


def clean(html: str | bytes, url: str | None = None, *, encoding: str | None = None,
          drop_selectors: Sequence[str] = (), body_selector: str | None = None) -> Article:
    """Clean one page into an Article (title, byline, published, modified, body, …), as a crawl
    does. Pure; never raises: what it could not find is empty, with the reason in `problems`."""
    from crawler.cleaner import clean as clean_page

    return clean_page(html, url, encoding=encoding, drop_selectors=drop_selectors,
                      body_selector=body_selector)


def load_sources(path: str | os.PathLike = "sources.toml") -> Config:
    """Read and validate a sources file into a frozen Config (its `sources` and settings).
    Raises SourceConfigError with a one-line message naming the file, line, key and fix."""
    from crawler.sources import load_config

    return load_config(path)
