"""Item pipelines, in order: clean the fetched page, then record the fetch (and any new version)."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy import signals

from crawler import paths
from crawler.cleaner import clean
from crawler.items import FetchedPage
from crawler.policy import schedule_for
from crawler.suspect import suspect_reason
from crawler.urls import canonical_url
from db.schema import open_db
from db.store import Content, Fetch, Rules, finish_crawl, record_fetch, start_crawl


class CleanPipeline:
    """Runs the cleaner; a page with no article text becomes a failed fetch, never a version."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.error is not None or item.not_modified or not item.body:
            return item  # failed, 304, or byte-identical to last time: nothing to clean
        source = self.crawler.spider.config.source(item.source)
        item.article = clean(item.body, item.final_url or item.url, encoding=item.encoding,
                             drop_selectors=source.drop_selectors, body_selector=source.body_selector)
        self.crawler.stats.inc_value("newswatch/cleaned")
        if not item.article.body.strip() or not item.article.title.strip():
            missing = "article text" if not item.article.body.strip() else "headline"
            problems = "; ".join(item.article.problems)
            item.error = f"no {missing} found on the page" + (f" ({problems})" if problems else "")
        else:
            item.suspect = suspect_reason(item.article)
            item.final_url = _identity(item, source)
        if not keeps_html(self.crawler):
            item.body = b""  # the raw page is not needed past this point; keep memory flat
        return item


def keeps_html(crawler) -> bool:
    """Store each version's page (compressed) for `newswatch reclean`: the NEWSWATCH_KEEP_HTML
    setting (or environment variable) or `keep_html = true` in the sources file's [settings]."""
    return crawler.settings.getbool("NEWSWATCH_KEEP_HTML") or \
        os.environ.get("NEWSWATCH_KEEP_HTML", "").lower() in ("1", "true", "yes") or \
        bool(getattr(crawler.spider.config, "keep_html", False))


def _identity(item: FetchedPage, source) -> str:
    """rel=canonical / og:url when it is an http(s) URL on the source's domains, else the URL
    we ended up at after redirects (issue #4: one article per canonical URL)."""
    declared = urlsplit(item.article.canonical_url or "")
    if declared.scheme in ("http", "https") and source.on_allowed_domain(declared.hostname or ""):
        return canonical_url(item.article.canonical_url)
    return item.final_url or item.url


class StorePipeline:
    """Writes each fetch in its own transaction and keeps the crawl's row and counters."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db = None
        self.crawl_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.db = open_db(paths.db_path(self.crawler.settings, spider.db_arg))
        self.schedule = schedule_for(spider.config.tiers)
        self.rules = Rules(gone_after=spider.config.gone_after,
                           suspect_confirmations=spider.config.suspect_confirmations)
        source = ",".join(spider.source_names) if spider.source_names else None
        self.crawl_id = start_crawl(self.db, spider.mode, source, os.getpid(),
                                    datetime.now(timezone.utc))
        self.stats.set_value("newswatch/crawl_id", self.crawl_id)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        fetch = Fetch(url=item.url, source=item.source, checked_at=item.fetched_at,
                      http_status=item.http_status, crawl_id=self.crawl_id, error=item.error,
                      duration_ms=item.duration_ms, final_url=item.final_url,
                      not_modified=item.not_modified, raw_hash=item.raw_hash, etag=item.etag,
                      last_modified=item.last_modified, suspect=item.suspect)
        content = None
        if item.error is None and item.article is not None:
            a = item.article
            content = Content(title=a.title, byline=a.author, body=a.body, published=a.published,
                              modified=a.modified, cleaner_version=a.cleaner_version,
                              raw_html=(item.body or None) if keeps_html(self.crawler) else None)
        result = record_fetch(self.db, fetch, content, self.schedule, self.rules)
        self.stats.inc_value("newswatch/fetched")
        self.stats.inc_value(f"newswatch/{COUNTED_AS.get(result.outcome, result.outcome)}")
        if item.error:
            self.crawler.spider.logger.info("%s: %s", item.url, item.error)
        return item

    def spider_closed(self, spider, reason: str) -> None:
        if self.db is None or self.crawl_id is None:
            return
        errors = self.stats.get_value("newswatch/discovery_errors") or []
        status = "finished" if reason == "finished" else f"stopped ({reason})"
        finish_crawl(self.db, self.crawl_id, counts(self.stats), status,
                     datetime.now(timezone.utc), error="; ".join(errors[:5]) or None)
        self.db.close()


# How each check outcome shows in the crawl's counters (the checks table keeps the detail).
COUNTED_AS = {"not_modified": "unchanged", "unchanged_raw": "unchanged", "missing": "failed",
              "suspect": "failed", "error": "failed"}


def counts(stats) -> dict[str, int]:
    return {k: stats.get_value(f"newswatch/{k}", 0)
            for k in ("fetched", "new", "changed", "unchanged", "failed")}
