"""`newswatch worker`: a Scrapy crawler whose scheduler and dupefilter live in Redis.

Any number of workers, on any number of machines, share one frontier (scrapy-redis). They read
work items (`protocol.WorkItem`) from `queues.WORK` (the coordinator pushes them), fetch and clean
like a local crawl, and push each cleaned result (`protocol.Result`) to `queues.RESULTS` for
`newswatch ingest`: a worker needs the
sources file, never the database.

Duplicates: discovered article requests are filtered per discovery cycle (`CycleDupeFilter`, a
fingerprint set per cycle id that expires); re-checks are `dont_filter=True` and never reach it.
A fingerprint set that never expires would drop every later fetch of a URL once it was fetched
(scrapy-redis issue 84): fatal for a monitor whose job is to fetch the same URLs again.
"""
from __future__ import annotations

import os
import socket
import uuid
import warnings
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.spiders import RedisMixin
from twisted.internet import task

from crawler import discovery, paths
from crawler.distributed import queues
from crawler.distributed.protocol import Heartbeat, Result, WorkItem
from crawler.pipelines import fetch_and_content
from crawler.render import Renderer
from crawler.sources import Source, load_config
from crawler.spiders.news import NewsSpider, describe_failure

HEARTBEAT_EVERY = 10.0  # seconds between a worker's heartbeats (they expire after WORKER_TTL)
# The engine looks for new requests this often when it has none in flight (Scrapy's default is
# 5 s): another worker may have put some into the shared frontier meanwhile.
ENGINE_HEARTBEAT = 0.5


class CycleDupeFilter(RFPDupeFilter):
    """One fingerprint set per discovery cycle (`newswatch:seen:<cycle>`), expiring SEEN_TTL after
    its last request; a request without a cycle is never a duplicate."""

    def request_seen(self, request: scrapy.Request) -> bool:
        cycle = request.meta.get("newswatch_cycle")
        if not cycle:
            return False
        return queues.seen_before(self.server, cycle, self.request_fingerprint(request))


class WorkerSpider(RedisMixin, NewsSpider):
    """The `news` spider fed from Redis: work items in, cleaned results out, no database."""

    name = "news-worker"
    redis_key = queues.WORK

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super(NewsSpider, cls).from_crawler(crawler, *args, **kwargs)  # not NewsSpider's: no db
        spider.config = load_config(paths.sources_path(crawler.settings, spider.sources_arg))
        spider.selected = list(spider.config.sources)
        spider.db, spider.by_domain = None, False
        # renders as a crawl does; what `auto` finds out lives in this process only (no database)
        spider.renderer = Renderer(spider.config, None, spider.logger.warning)
        spider.setup_redis(crawler)
        spider.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        crawler.signals.connect(spider.worker_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.worker_closed, signal=signals.spider_closed)
        return spider

    async def start(self):
        for request in self.next_requests():
            yield request

    # -- work items -------------------------------------------------------------------------
    def make_request_from_data(self, data: bytes):
        """A work item (protocol.WorkItem's JSON) as its request."""
        try:
            item = WorkItem.from_json(data)
            source = self.config.source(item.source)
        except Exception as exc:  # a bad item must not stop the worker
            self.logger.warning("work item skipped (%s): %r", exc, data[:200])
            return []
        if item.kind == "recheck":
            request = self._article_request(item.url, source, item.known())
        else:
            parser = {"feed": self.parse_feed, "sitemap": self.parse_sitemap,
                      "section": self.parse_section}[item.parser]
            request = self._discovery_request(item.url, parser, source)
        request.meta["newswatch_cycle"] = item.cycle
        return request

    def parse_feed(self, response, source: Source):
        return self._in_cycle(response, super().parse_feed(response, source))

    def parse_sitemap(self, response, source: Source):
        return self._in_cycle(response, super().parse_sitemap(response, source))

    def parse_section(self, response, source: Source):
        return self._in_cycle(response, super().parse_section(response, source))

    def _in_cycle(self, response, requests: Iterable[scrapy.Request]):
        cycle = response.meta.get("newswatch_cycle")
        for request in requests:
            request.meta["newswatch_cycle"] = cycle
            yield request
        self._push_page(cycle, response.url, None)  # ingest keeps the cycle's `crawls` row

    def sitemap_seen(self, url: str, response) -> bool:
        """Per discovery cycle and shared by all workers (the cycle's Redis set), not per worker:
        a worker lives for many cycles, and a sub-sitemap it fetched once must be fetched again
        by the next cycle, or the articles it lists that were lost in flight are never found."""
        cycle = response.meta.get("newswatch_cycle")
        if not cycle:
            return super().sitemap_seen(url, response)
        return queues.seen_before(self.server, cycle, "sitemap " + url)

    def discovery_failed(self, failure):
        super().discovery_failed(failure)
        self._push_page(failure.request.meta.get("newswatch_cycle"), failure.request.url,
                        describe_failure(failure))

    def _push_page(self, cycle: str | None, url: str, error: str | None) -> None:
        page = Result("page", uuid.uuid4().hex, cycle, datetime.now(timezone.utc), url=url, error=error)
        self.server.lpush(queues.RESULTS, page.to_json())

    def article_requests(self, urls: Iterable[str], source: Source, trusted: bool,
                         hints: dict[str, str | None] | None = None):
        """Requests for the articles the database does not track (the KNOWN set ingest keeps),
        filtered per cycle (a URL in the feed, the sitemap and a section page is fetched once by
        all workers together); change hints for known ones go to ingest."""
        wanted = self.wanted_urls(urls, source)
        known = {u for u, hit in zip(wanted, self.server.smismember(queues.KNOWN, wanted) if wanted
                                     else []) if hit}
        self.crawler.stats.inc_value("newswatch/discovered", len(wanted))
        self._push_hints(known, hints or {})
        for url in wanted:
            if url not in known:
                yield self._article_request(url, source).replace(dont_filter=False)

    def _push_hints(self, known: set[str], hints: dict[str, str | None]) -> None:
        now = datetime.now(timezone.utc)
        messages = []
        for url, stamp in hints.items():
            url, changed_at = discovery.canonical(url), discovery.parse_date(stamp)
            if url in known and changed_at is not None:
                messages.append(Result("hint", uuid.uuid4().hex, pushed_at=now, url=url,
                                       changed_at=changed_at).to_json())
        if messages:
            self.server.lpush(queues.RESULTS, *messages)

    def parse_article(self, response):
        page = super().parse_article(response)
        return self._in_worker(page, response.meta)

    def article_failed(self, failure):
        page = super().article_failed(failure)
        return self._in_worker(page, failure.request.meta)

    @staticmethod
    def _in_worker(page, meta: dict):
        page.cycle = meta.get("newswatch_cycle")
        # The request may have been made by another worker (another clock): Scrapy's own
        # download latency, measured here, is the fetch's duration.
        latency = meta.get("download_latency")
        page.duration_ms = int(latency * 1000) if latency is not None else None
        return page

    # -- heartbeat --------------------------------------------------------------------------
    def worker_opened(self, spider) -> None:
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.heartbeat = task.LoopingCall(self.beat)
        self.heartbeat.start(HEARTBEAT_EVERY, now=True)

    def beat(self) -> None:
        value = Heartbeat(self.worker_id, self.started_at,
                          datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          self.crawler.stats.get_value("newswatch/pushed", 0)).to_json()
        try:
            self.server.set(queues.WORKER + self.worker_id, value, ex=queues.WORKER_TTL)
        except Exception as exc:  # Redis away for a moment: the next beat tries again
            self.logger.warning("heartbeat failed: %s", exc)

    def worker_closed(self, spider, reason: str) -> None:
        if getattr(self, "heartbeat", None) is not None and self.heartbeat.running:
            self.heartbeat.stop()
        self.server.delete(queues.WORKER + self.worker_id)


class PushResultPipeline:
    """After CleanPipeline: the fetch and its content as JSON on the results list (LPUSH)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        fetch, content = fetch_and_content(item, self.crawler)
        message = Result("fetch", uuid.uuid4().hex, item.cycle, datetime.now(timezone.utc), fetch,
                         content).to_json()
        self.crawler.spider.server.lpush(queues.RESULTS, message)
        self.crawler.stats.inc_value("newswatch/pushed")
        item.body = b""
        return item


def worker_settings(redis_url: str, config) -> dict:
    """Scrapy settings of a worker: scrapy-redis scheduler + our dupefilter, clean then push."""
    from crawler.politeness import politeness_for

    limits = politeness_for(config).scrapy_settings()  # with USER_AGENT and DOWNLOAD_TIMEOUT
    domains = {d for s in config.sources for d in s.allowed_domains} or {"?"}
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        # Workers come and go: a worker that stops must never flush the shared frontier.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": queues.REQUESTS,
        "DUPEFILTER_CLASS": "crawler.distributed.worker.CycleDupeFilter",
        "SCHEDULER_SERIALIZER": "crawler.distributed.frontier",  # no cookie written to Redis
        "REDIS_URL": redis_url,
        "MAX_IDLE_TIME_BEFORE_CLOSE": 0,  # a worker waits for work until it is stopped
        "ITEM_PIPELINES": {"crawler.pipelines.CleanPipeline": 100,
                           "crawler.distributed.worker.PushResultPipeline": 200},
        "NEWSWATCH_PROGRESS_EVERY": 0,
        **limits,
        # The downloader takes requests from the frontier until CONCURRENT_REQUESTS are in its
        # hands; more than it can fetch at once would be hoarded from the other workers (and lost
        # with this one if it is killed).
        "CONCURRENT_REQUESTS": min(256, limits["CONCURRENT_REQUESTS_PER_DOMAIN"] * len(domains)),
    }


def run_worker(redis_url: str, sources: Path, *, verbose: bool = False) -> int:
    """Run one worker in this process until SIGTERM / Ctrl-C."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    # scrapy-redis 0.9 passes `spider=` to the stats collector, which Scrapy 2.19 deprecates
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    config = load_config(sources)
    queues.connect(redis_url).ping()  # fail now, with the URL in the message, not in the reactor
    settings = get_project_settings()
    for name, value in worker_settings(redis_url, config).items():
        settings.set(name, value, priority="cmdline")
    settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = ENGINE_HEARTBEAT  # this process is only a worker
    process = CrawlerProcess(settings)
    process.crawl(WorkerSpider, sources=str(sources))
    process.start()
    return 0
