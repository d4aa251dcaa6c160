"""Item pipelines, in order: clean the fetched page, record the fetch (and any new version), notify."""
from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler import paths
from crawler.defaults import BATCH_ITEMS, BATCH_SECONDS
from crawler.items import FetchedPage, content_of
from crawler.notifications import Notifier
from crawler.recheck.policy import apply_tiers, schedule_for
from crawler.report import COUNTS, cap_notes, crawl_status, note_failure
from crawler.outcomes import classify_page, declares_paywall
from crawler.urls import canonical_url
from db.schema import DatabaseError, StorageProblem, open_db, storage_problem
from db.store import (COUNTED_AS, Content, Fetch, Rules, add_to_crawl, finish_crawl,
                      record_fetches, start_crawl)


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
        from crawler.site_parsers import SiteParserFailed, clean_page  # loaded by the first page
        # to clean: a re-check whose pages all answer 304 or are byte-identical never needs the
        # cleaner (~25 ms of start-up)

        source = self.crawler.spider.config.source(item.source)
        try:
            item.article = clean_page(item.body, item.final_url or item.url, encoding=item.encoding,
                                      drop_selectors=source.drop_selectors,
                                      body_selector=source.body_selector, site_parser=source.parser,
                                      live_selector=source.live_selector)
        except SiteParserFailed as exc:  # the user's parser raised: this page's failure, not the crawl's
            item.error = str(exc)
            self.crawler.stats.inc_value("newswatch/site_parser_failed")
        self.crawler.stats.inc_value("newswatch/cleaned")
        if item.article is None:
            pass  # the site parser failed; item.error says how
        elif not (has_text := item.article.body.strip() or live_blog(item.article)) or \
                not item.article.title.strip():
            missing = "article text" if not has_text else "headline"
            problems = "; ".join(item.article.problems)
            item.error = f"no {missing} found on the page" + (f" ({problems})" if problems else "")
        elif unreadable := unreadable_reason(item.article):
            item.error = unreadable
        else:
            found = classify_page(item.article, item.url, item.final_url)
            if found is not None:
                item.not_article, item.not_article_reason = found.kind, found.reason
            item.paywalled = declares_paywall(item.article)
            item.final_url = _identity(item, source)
        self._second_look(item, source)
        if not keeps_html(self.crawler):
            item.body = b""  # the raw page is not needed past this point; keep memory flat
        return item


    def _second_look(self, item: FetchedPage, source) -> None:
        """`render = "auto"`: a plain page whose article is missing or short, or that is plainly
        built by scripts, is rendered by the browser instead (crawler/render.py); what the render
        found is remembered for the source."""
        spider, article = self.crawler.spider, item.article if item.error is None else None
        plain, item.plain = item.plain, None
        if item.article is None:  # the site parser failed: the browser would not change that
            return
        if item.second_look is not None:
            spider.renderer.after_render(item.second_look, article, source, item.url)
        elif plain is not None and spider.renderer.second_look(item.body, article, source, item.url):
            from crawler.render import word_count

            plain.words = word_count(article)
            self.crawler.engine.crawl(spider.render(plain, source))
            self.crawler.stats.inc_value("newswatch/second_looks")
            raise DropItem("rendered by the browser instead", log_level="DEBUG")


def live_blog(article) -> bool:
    """A live blog with entries may have no text outside them: its body (the intro) is empty."""
    return bool(getattr(article, "live", False) and getattr(article, "entries", ()))


# Text that is mostly U+FFFD (bytes invalid in the declared charset) or mostly not
# letters/digits (markup debris of a broken page) is not an article, whatever the cleaner kept.
# Real articles in any script are far above these shares; a few bad bytes still pass.
MAX_REPLACEMENT_SHARE, MIN_ALNUM_SHARE = 0.02, 0.5
_NOT_ALNUM = re.compile(r"[\W_]")  # what str.isalnum() is not, in one C pass


def unreadable_reason(article) -> str | None:
    """Why the cleaned text cannot be a version (undecodable or debris), or None."""
    text = "".join(f"{article.title}{article.body}".split())
    if not text:
        return None
    bad = text.count("\ufffd") / len(text)
    if bad > MAX_REPLACEMENT_SHARE:
        return f"page does not decode in its charset ({bad:.0%} invalid byte sequences)"
    alnum = len(_NOT_ALNUM.sub("", text)) / len(text)
    if alnum < MIN_ALNUM_SHARE:
        return f"no readable article text (only {alnum:.0%} letters or digits)"
    return None


def keeps_html(crawler) -> bool:
    """Store each version's page (compressed) for `newswatch reclean`: the NEWSWATCH_KEEP_HTML
    setting (or environment variable) or `keep_html = true` in the sources file's [settings]."""
    return crawler.settings.getbool("NEWSWATCH_KEEP_HTML") or \
        os.environ.get("NEWSWATCH_KEEP_HTML", "").lower() in ("1", "true", "yes") or \
        bool(getattr(crawler.spider.config, "keep_html", False))


def fetch_and_content(item: FetchedPage, crawler, crawl_id: int | None = None
                      ) -> tuple[Fetch, Content | None]:
    """What the store records of a cleaned item: the fetch, and the content when there is an
    article (StorePipeline writes them; a distributed worker sends them to ingest)."""
    fetch = Fetch(url=item.url, source=item.source, checked_at=item.fetched_at,
                  http_status=item.http_status, crawl_id=crawl_id, error=item.error,
                  duration_ms=item.duration_ms, final_url=item.final_url,
                  not_modified=item.not_modified, raw_hash=item.raw_hash, etag=item.etag,
                  last_modified=item.last_modified, not_article=item.not_article,
                  not_article_reason=item.not_article_reason, paywalled=item.paywalled)
    content = None
    if item.error is None and item.article is not None:
        content = content_of(item.article, item.fetched_at,
                             (item.body or None) if keeps_html(crawler) else None)
    return fetch, content


def _identity(item: FetchedPage, source) -> str:
    """rel=canonical / og:url when it is an http(s) URL on the source's domains, else the URL
    we ended up at after redirects (one article per canonical URL)."""
    declared = urlsplit(item.article.canonical_url or "")
    if declared.scheme in ("http", "https") and source.on_allowed_domain(declared.hostname or ""):
        return canonical_url(item.article.canonical_url)
    return item.final_url or item.url


# Fetches are written in batches, one transaction for up to BATCH_ITEMS fetches or
# BATCH_SECONDS (~0.2 ms a page in WAL instead of ~1 ms for a commit each, and far fewer write
# locks for the worker processes of a sharded crawl to take turns on). Each fetch stays
# all-or-nothing (a savepoint); a crash loses at most the uncommitted batch, which is simply
# fetched again by the next run. An item goes on to the next pipeline only once committed.


# Stats key: why the database failed the crawl (disk full, damaged, directory not writable).
STORAGE_PROBLEM = "newswatch/storage_problem"


def stop_for_storage(crawler, problem: StorageProblem) -> None:
    """The database cannot be written or read, whatever is retried: stop the crawl now (once),
    keeping the reason for its row, its last line and its exit code (crawler/run.py)."""
    if crawler.stats.get_value(STORAGE_PROBLEM) is None:
        crawler.stats.set_value(STORAGE_PROBLEM, problem)
        deferred_from_coro(crawler.engine.close_spider_async(reason="failed"))


class _OpenClose:
    """A pipeline stage told when the spider opens and closes."""

    def __init__(self, crawler):
        self.crawler, self.stats = crawler, crawler.stats
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class StorePipeline(_OpenClose):
    """Writes the fetches in batched transactions and keeps the crawl's row and counters."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.db = None
        self.crawl_id: int | None = None
        self.pending: list[tuple[FetchedPage, Fetch, Content | None, Deferred]] = []
        self.timer = None

    def spider_opened(self, spider) -> None:
        self.path = paths.db_path(self.crawler.settings, spider.db_arg)
        try:
            self._open(spider)
        except (sqlite3.Error, DatabaseError, OSError) as exc:
            if (problem := storage_problem(exc, self.path)) is None:
                raise
            self.crawler.stats.set_value(STORAGE_PROBLEM, problem)
            raise CloseSpider("failed") from None  # closes the spider at once, quietly

    def _open(self, spider) -> None:
        self.db = open_db(self.path)
        self.schedule = schedule_for(spider.config.tiers)
        apply_tiers(self.db, spider.config.tiers)  # a first crawl records them; a change re-plans
        self.rules = Rules(gone_after=spider.config.gone_after,
                           suspect_confirmations=spider.config.suspect_confirmations)
        source = ",".join(spider.source_names) if spider.source_names else None
        # A worker of a sharded crawl writes into the row its parent started; a
        # re-check into the row it started before Scrapy loaded (crawler/recheck/precheck.py).
        parent_row = self.crawler.settings.getint("NEWSWATCH_CRAWL_ID")
        self.shared_row = bool(parent_row)
        self.crawl_id = parent_row or self.crawler.settings.getint("NEWSWATCH_OWN_CRAWL_ID") or \
            start_crawl(self.db, spider.mode, source, os.getpid(), datetime.now(timezone.utc))
        self.stats.set_value("newswatch/crawl_id", self.crawl_id)

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        """Queue the fetch for the next batch; return once it is committed."""
        written: Deferred = Deferred()
        self.pending.append((item, *self._fetch_of(item), written))
        if len(self.pending) >= BATCH_ITEMS or self._nothing_in_flight():
            self.write_batch()
        elif self.timer is None:
            from twisted.internet import reactor
            self.timer = reactor.callLater(BATCH_SECONDS, self.write_batch)
        return await maybe_deferred_to_future(written)

    def _nothing_in_flight(self) -> bool:
        """No request downloading or waiting: this may be the crawl's last item, so its batch is
        written now rather than BATCH_SECONDS later (every crawl used to end up to 0.5 s late)."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)  # Scrapy has no public "scheduler is empty"
        return (engine is not None and not engine.downloader.active and slot is not None
                and not slot.scheduler.has_pending_requests())

    def write_batch(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        if self.crawler.stats.get_value(STORAGE_PROBLEM) is not None:
            self._drop(batch)  # the crawl is stopping: nothing more can be stored
            return
        try:
            results = self._write(batch)
        except Exception as exc:  # the batch's transaction failed (BEGIN or COMMIT): none written
            if (problem := storage_problem(exc, self.path)) is not None:
                stop_for_storage(self.crawler, problem)
                self._drop(batch)
                return
            failure = Failure()
            for *_, written in batch:
                written.errback(failure)
            return
        for (item, *_, written), result in zip(batch, results):
            if isinstance(result, Exception):
                written.errback(Failure(result))
            else:
                self._count(item, result)
                written.callback(item)

    def _drop(self, batch) -> None:
        # One line says why the crawl failed (crawler/run.py); these pages are simply fetched
        # again by the next crawl, so they are dropped without a line each.
        for *_, written in batch:
            written.errback(Failure(DropItem("not stored: the crawl stopped", log_level="DEBUG")))

    def _write(self, batch) -> list:
        return record_fetches(self.db, [(fetch, content) for _, fetch, content, _ in batch],
                              self.schedule, self.rules)

    def _fetch_of(self, item: FetchedPage) -> tuple[Fetch, Content | None]:
        return fetch_and_content(item, self.crawler, self.crawl_id)

    def _count(self, item: FetchedPage, result) -> None:
        item.version_id = result.version_id  # committed: NotifyPipeline may announce it
        self.stats.inc_value("newswatch/fetched")
        self.stats.inc_value(f"newswatch/{COUNTED_AS.get(result.outcome, 'failed')}")
        if item.error:
            self.crawler.spider.logger.info("%s: %s", item.url, item.error)
            note_failure(self.stats, item.url, item.error)

    def spider_closed(self, spider, reason: str) -> None:
        if self.db is None or self.crawl_id is None:
            return
        self.write_batch()  # normally empty: the crawl closes once every item is written
        # a capped discovery is named there too: its row says why articles were left out
        errors = cap_notes(self.stats.get_stats()) + \
            (self.stats.get_value("newswatch/discovery_errors") or [])
        status = crawl_status(reason, self.stats.get_stats(), spider.mode,
                              self.crawler.settings.getfloat("NEWSWATCH_MAX_CRAWL_TIME"))
        if (problem := self.stats.get_value(STORAGE_PROBLEM)) is not None:
            status, errors = f"failed ({problem.summary})", [str(problem)]
        try:
            if self.shared_row:
                add_to_crawl(self.db, self.crawl_id, counts(self.stats), status,
                             error="; ".join(errors[:5]) or None)
            else:
                finish_crawl(self.db, self.crawl_id, counts(self.stats), status,
                             datetime.now(timezone.utc), error="; ".join(errors[:5]) or None)
        except (sqlite3.Error, OSError) as exc:
            # Not even the row can be written: it stays `running` until the next crawl or
            # `run` finds its process gone (db.operations.close_stale_crawls).
            if problem is None and storage_problem(exc, self.path) is None:
                raise
        finally:
            self.db.close()



def counts(stats) -> dict[str, int]:
    return {k: stats.get_value(f"newswatch/{k}", 0) for k in COUNTS}


class NotifyPipeline(_OpenClose):
    """The crawl's stage after StorePipeline: a `Notifier` for the crawl's new versions."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.notifier: Notifier | None = None

    def spider_opened(self, spider) -> None:
        # a re-check's first phase started one already (crawler/recheck/precheck.py)
        self.notifier = getattr(spider, "notifier", None) or \
            Notifier(spider.config, paths.db_path(self.crawler.settings, spider.db_arg))

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if self.notifier is not None:
            self.notifier.announce(getattr(item, "version_id", None), item.source)
        return item

    def spider_closed(self, spider, reason: str):
        notifier = self.notifier
        if notifier is None or not notifier.active:
            return None

        notifier.stop_announcing()

        def drain():
            notifier.drain()
            self.stats.set_value("newswatch/notifications_queued", notifier.queued)
            self.stats.set_value("newswatch/notifications_filtered", notifier.filtered)
            self.stats.set_value("newswatch/notifications_sent", notifier.sender.sent)
            self.stats.set_value("newswatch/notifications_failed", notifier.sender.failed)
        return deferToThread(drain)  # waiting for the last sends must not block the reactor


class SavePagePipeline(_OpenClose):
    """The crawl's stage after StorePipeline: each new version of a source with save_page_now
    queued in `page_saves` and submitted by a thread (crawler/save_page_now.py); what it has not
    submitted when the crawl ends waits for the next drain."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.saver = None

    def spider_opened(self, spider) -> None:
        from crawler.save_page_now import PageSaver

        self.saver = PageSaver(spider.config, paths.db_path(self.crawler.settings, spider.db_arg),
                               say_problems=getattr(spider, "shard", 0) == 0)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if self.saver is not None and self.saver.active and \
                self.saver.announce(getattr(item, "version_id", None), item.source):
            self.stats.inc_value("newswatch/page_saves_queued")
        return item

    def spider_closed(self, spider, reason: str):
        saver = self.saver
        if saver is None or not saver.active:
            return None
        saver.stop_announcing()
        if saver.submitter is None:
            return None

        def drain():
            saver.drain()
            report = saver.submitter.report
            self.stats.set_value("newswatch/page_saves_submitted", report.submitted)
            self.stats.set_value("newswatch/page_saves_failed", report.failed)
        return deferToThread(drain)  # the last submissions must not block the reactor


class ArchivePipeline(_OpenClose):
    """After StorePipeline: the WARC records of each fetch that made a version (every 200 with
    archive_all_fetches), fsynced, then the version's pointer to them (crawler/archive.py)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.writer = self.db = None

    def spider_opened(self, spider) -> None:
        config = spider.config
        if config.archive != "warc" and not any(s.archive == "warc" for s in config.sources):
            return
        from crawler.archive import WarcWriter, archive_folder

        db_file = paths.db_path(self.crawler.settings, spider.db_arg)
        self.writer = WarcWriter(archive_folder(db_file), config.archive_max_mb * 2**20)
        self.db = open_db(db_file)
        self.all_fetches = config.archive_all_fetches

    def process_item(self, item: FetchedPage) -> FetchedPage:
        exchange, item.exchange = item.exchange, None  # the raw page is not kept past here
        if self.writer is None or exchange is None:
            return item
        if item.version_id is None and not (self.all_fetches and exchange.status == 200):
            return item
        from db.archives import record_capture

        exchange.resources = rendered_resources(item)
        capture, = self.writer.write([exchange])
        self.stats.inc_value("newswatch/archived")
        if item.version_id is not None:
            record_capture(self.db, item.version_id, capture.file, capture.offset, capture.length)
        return item

    def spider_closed(self, spider, reason: str) -> None:
        if self.db is not None:
            self.db.close()


def rendered_resources(item: FetchedPage) -> list[tuple[str, str, bytes]]:
    """A rendered fetch's WARC `resource` records, beside its response: the DOM the browser
    built and the screenshot (their URIs name what they are and the page they are of)."""
    out = []
    if item.dom is not None:
        out.append((f"urn:dom:{item.final_url or item.url}", "text/html", item.dom))
    if item.screenshot is not None:
        out.append((f"urn:screenshot:{item.final_url or item.url}", "image/png", item.screenshot))
    item.dom = item.screenshot = None
    return out


class ScreenshotPipeline(_OpenClose):
    """After StorePipeline: a new version's screenshot, a PNG under archive/screenshots/ beside
    the database, written and fsynced before the version points at it (db.render)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.db = None

    def spider_opened(self, spider) -> None:
        self.db_file = paths.db_path(self.crawler.settings, spider.db_arg)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.screenshot is None or item.version_id is None:
            return item
        from crawler.archive import write_screenshot
        from db.render import record_screenshot

        try:
            if self.db is None:
                self.db = open_db(self.db_file)
            name = write_screenshot(self.db_file, item.version_id, item.screenshot)
            record_screenshot(self.db, item.version_id, name, len(item.screenshot), item.fetched_at)
        except (sqlite3.Error, DatabaseError, OSError) as exc:  # the version stands without one
            self.crawler.spider.logger.warning("%s: screenshot not kept: %s", item.url, exc)
            return item
        self.stats.inc_value("newswatch/screenshots")
        return item

    def spider_closed(self, spider, reason: str) -> None:
        if self.db is not None:
            self.db.close()
