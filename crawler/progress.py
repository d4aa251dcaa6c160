"""Progress lines on stderr while a crawl runs, and one summary line when it ends."""
from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.pipelines import counts
from crawler.report import cap_notes, crawl_status, format_counts, label


class Progress:
    """`fetched 40 · new 30 · changed 2 · unchanged 8 · failed 0 · queued 12` every few seconds."""

    def __init__(self, crawler, every: float):
        self.crawler, self.every = crawler, every
        self.last_line = ""
        self.started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        every = crawler.settings.getfloat("NEWSWATCH_PROGRESS_EVERY")
        if every <= 0:
            raise NotConfigured
        return cls(crawler, every)

    def spider_opened(self, spider) -> None:
        # a re-check that asked its articles before Scrapy loaded started then (crawler/recheck/precheck.py)
        self.started = self.crawler.settings.getfloat("NEWSWATCH_STARTED") or time.monotonic()
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.every, now=False)

    def report(self, spider) -> None:
        stats = self.crawler.stats
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        line = format_counts(counts(self.crawler.stats)) + f" · queued {queued}"
        if line != self.last_line:
            print(f"[{_label(spider)}] {line}", file=sys.stderr, flush=True)
            self.last_line = line

    def spider_closed(self, spider, reason: str) -> None:
        if getattr(self, "loop", None) is not None and self.loop.running:
            self.loop.stop()
        stats = self.crawler.stats
        seconds = time.monotonic() - self.started
        crawl_id = stats.get_value("newswatch/crawl_id")
        status = crawl_status(reason, stats.get_stats(), spider.mode,
                              self.crawler.settings.getfloat("NEWSWATCH_MAX_CRAWL_TIME"))
        print(f"[{_label(spider)}] crawl {crawl_id} {status} in {seconds:.2f}s: "
              f"{format_counts(counts(stats))}", file=sys.stderr, flush=True)
        for note in cap_notes(stats.get_stats()):
            print(f"[{_label(spider)}] {note}", file=sys.stderr, flush=True)
        shown = [] if getattr(spider, "shard", 0) else stats.get_value("newswatch/discovery_errors")
        for error in (shown or [])[:5]:  # every worker of a sharded crawl saw the same ones
            print(f"[{spider.mode}] discovery failed: {error}", file=sys.stderr, flush=True)
        failures = stats.get_value("newswatch/failures") or []  # each worker its own articles
        for failure in failures:
            print(f"[{_label(spider)}] failed: {failure}", file=sys.stderr, flush=True)
        more = (stats.get_value("newswatch/failed") or 0) - len(failures)
        if failures and more > 0:
            print(f"[{_label(spider)}] … and {more} more failed (`newswatch errors` lists them)",
                  file=sys.stderr, flush=True)


def _label(spider) -> str:
    return label(spider.mode, getattr(spider, "shard", 0), getattr(spider, "shards", 1))
