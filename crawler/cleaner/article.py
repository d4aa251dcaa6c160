"""The cleaner's result type: what a reader sees of one article."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .liveblog import LiveEntry

CLEANER_VERSION = "0.10"


@dataclass(frozen=True)
class Article:
    """A cleaned article. Empty strings / None mean "not found on the page"."""

    title: str = ""
    byline: tuple[str, ...] = ()  # visible byline first; names only, no "By"
    published: str | None = None  # ISO 8601 with UTC offset when known
    modified: str | None = None
    body: str = ""  # one block per line, joined with "\n"; image captions are not in it
    canonical_url: str | None = None
    language: str | None = None
    cleaner_version: str = CLEANER_VERSION
    problems: tuple[str, ...] = field(default=())  # why fields are empty, for bad input
    captions: tuple[str, ...] = ()  # image captions in page order, credits removed: versioned apart from the body
    # What the page says of itself, for telling an article from a page standing in for it
    # (crawler.outcomes): its <title>, a robots `noindex`, JSON-LD isAccessibleForFree.
    page_title: str = ""
    noindex: bool = False
    free: bool | None = None
    # A live blog (JSON-LD LiveBlogPosting, or entries matched by a source's live_selector): its
    # body is the intro outside the entries, and the entries are kept apart, newest as shown.
    live: bool = False
    entries: tuple[LiveEntry, ...] = ()

    @property
    def author(self) -> str:
        """The byline as one string, the way the fixtures and the store spell it."""
        return ", ".join(self.byline)
