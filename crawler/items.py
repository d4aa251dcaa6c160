"""What the spider hands to the pipelines: one fetched page or one failed fetch."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from db.store import Content

if TYPE_CHECKING:  # the cleaner loads when a page is cleaned, not with every crawl
    from crawler.archive import HttpExchange
    from crawler.cleaner import Article
    from crawler.render import PlainAnswer


@dataclass
class FetchedPage:
    """A fetch of an article URL; `error` set means nothing is cleaned or versioned."""

    url: str
    source: str
    fetched_at: datetime
    http_status: int | None = None
    body: bytes = b""
    encoding: str | None = None  # charset from the Content-Type header, if any
    duration_ms: int | None = None
    error: str | None = None
    final_url: str | None = None  # after redirects; the cleaner's canonical URL may replace it
    not_modified: bool = False  # 304 to our validators
    raw_hash: str | None = None  # sha256 of the body; set without body: identical to last time
    etag: str | None = None
    last_modified: str | None = None
    # The page stands in for the article (crawler.outcomes): its kind and why we think so.
    not_article: str | None = None
    not_article_reason: str | None = None
    paywalled: bool = False  # the page declares itself not free (isAccessibleForFree: false)
    article: Article | None = field(default=None, repr=False)  # filled in by CleanPipeline
    version_id: int | None = None  # the version StorePipeline wrote, if any (for NotifyPipeline)
    cycle: str | None = None  # The distributed work cycle the fetch belongs to
    exchange: HttpExchange | None = field(default=None, repr=False)  # for WARC capture
    # Browser rendering (crawler/render.py): the plain answer `auto` may still render, whether
    # the page was rendered, the DOM the browser built, its screenshot (PNG), and, for a render
    # `auto` asked for, the words of the plain page's article.
    plain: PlainAnswer | None = field(default=None, repr=False)
    rendered: bool = False
    dom: bytes | None = field(default=None, repr=False)
    screenshot: bytes | None = field(default=None, repr=False)
    second_look: int | None = None


def content_of(article: Article, fetched_at: datetime | None = None,
               raw_html: bytes | None = None) -> Content:
    """What the store versions of a cleaned article. A date that cannot be true (before 1990,
    or more than a day after the fetch) is left out."""
    from crawler.cleaner.dates import plausible_date

    captions = getattr(article, "captions", ()) or ()
    return Content(title=article.title, byline=article.author, body=article.body,
                   published=plausible_date(article.published, fetched_at),
                   modified=plausible_date(article.modified, fetched_at),
                   cleaner_version=article.cleaner_version, raw_html=raw_html,
                   captions=captions if isinstance(captions, str) else "\n".join(captions),
                   live=getattr(article, "live", False),
                   entries=tuple({"key": e.key, "headline": e.headline, "text": e.text,
                                  "published": plausible_date(e.published, fetched_at)}
                                 for e in getattr(article, "entries", ())))
