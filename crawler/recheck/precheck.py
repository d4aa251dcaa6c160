"""A re-check before Scrapy loads: choose the articles due, ask each one
conditionally (crawler/recheck/probe.py) and record the 304s; only what needs more goes to Scrapy.

A monitor's re-check is nearly all 304s. Recorded here, they cost a worker process Python,
aiohttp and sqlite-utils (~0.15 s) instead of Scrapy, Twisted and OpenSSL as well (~0.5 s).
Every other article (an answer that is a page, an error or a redirect; no answer; no
validators) is handed over to a Scrapy crawl in the same process, in the same `crawls` row,
its answer used as the download: nothing is fetched twice. Scrapy-free.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pprint import pformat
from urllib.parse import urlsplit

from crawler.defaults import BATCH_ITEMS, BATCH_SECONDS, PROGRESS_EVERY
from crawler.notifications import Notifier
from crawler.recheck.conditional import HandedOver, validators
from crawler.recheck.due import replan, select
from crawler.recheck.policy import schedule_for
from crawler.politeness import Politeness
from crawler.recheck.probe import Answer, Ask, ConditionalProbe
from crawler.report import COUNTS, format_counts, label, time_limit_reason
from crawler.request_settings import request_headers
from crawler.sources import Config, Source
from crawler.urls import canonical_url
from db.schema import storage_problem
from db.store import COUNTED_AS, Fetch, Rules, add_to_crawl, finish_crawl, record_fetches, start_crawl


@dataclass
class Precheck:
    crawl_id: int
    started: float  # time.monotonic() when the re-check started
    stats: dict[str, int] = field(default_factory=dict)  # Scrapy's stats keys, to carry over
    handed_over: list[HandedOver] = field(default_factory=list)
    status: str | None = None  # set when nothing is left for Scrapy: the crawl is over
    notifier: Notifier | None = None  # for Scrapy's NotifyPipeline, when Scrapy takes over


def precheck(db, db_path, config: Config, *, source_names: Sequence[str] = (),
             every: bool = False, urls: Sequence[str] | None = None,
             shard: tuple[int, int] | None = None, crawl_id: int | None = None, limits: Politeness,
             progress_every: float = PROGRESS_EVERY, verbose: bool = False,
             asked: list | None = None, max_crawl_time: float | None = None) -> Precheck:
    """Re-check this worker's share in `db` (the caller's open database, at `db_path`); record
    the 304s in `crawl_id` (a sharded crawl's row) or in a row of its own. `asked` fills up
    when a stop signal comes: nothing more is asked; after `max_crawl_time` seconds neither."""
    index, shards = shard or (0, 1)
    selected = [config.source(n) for n in source_names] or list(config.sources)
    # As every crawl does when it starts: retry the notifications earlier runs could not
    # deliver (a sender thread); Scrapy's NotifyPipeline takes it over if Scrapy runs.
    notifier = Notifier(config, db_path)
    try:
        replan(db, config, _warn)  # the first worker of a sharded crawl does it
        selection = select(db, config, selected, by_name=bool(source_names), every=every,
                           urls=urls or None, shard=index, shards=shards, warn=_warn)
        own_row = crawl_id is None
        run = _Run(db, db_path, config, crawl_id or start_crawl(
            db, "recheck", ",".join(source_names) or None, os.getpid(), datetime.now(timezone.utc)),
            label("recheck", index, shards), asked if asked is not None else [])

        def end(status: str) -> None:
            if own_row:
                finish_crawl(db, run.crawl_id, run.counts, status, datetime.now(timezone.utc))
            else:  # one worker of a sharded crawl: its parent closes the row
                add_to_crawl(db, run.crawl_id, run.counts, status)

        try:
            if not run.asked:  # a stop that came while Python started: nothing is asked
                asyncio.run(run.probe(selection.rows, limits, progress_every, max_crawl_time))
        except BaseException as exc:  # what was written stays; the row says the re-check failed
            problem = storage_problem(exc, db_path)
            try:
                end(f"failed ({problem.summary if problem else type(exc).__name__})")
            except Exception:  # the database fails this write too: the row stays `running`
                if problem is None:  # until the next crawl closes it (close_stale_crawls)
                    raise
            raise
        result = run.result()
        result.stats["newswatch/due_left"] = selection.due_left
        if result.handed_over and not run.asked and not run.out_of_time:
            result.notifier, notifier = notifier, None
            return result
        result.status = "stopped (shutdown)" if run.asked else \
            f"stopped ({time_limit_reason(max_crawl_time)})" if run.out_of_time else "finished"
        result.handed_over = []
        end(result.status)
        run.summary(result.status, progress_every > 0, verbose, result.stats)
        return result
    finally:
        if notifier is not None:
            notifier.close()  # what it is still sending gets DRAIN_SECONDS, the rest stays pending


def _warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr, flush=True)


class _Run:
    def __init__(self, db, db_path, config: Config, crawl_id: int, name: str, asked: list):
        self.db, self.db_path, self.crawl_id, self.name, self.asked = db, db_path, crawl_id, name, asked
        self.schedule = schedule_for(config.tiers)
        self.rules = Rules(gone_after=config.gone_after,
                           suspect_confirmations=config.suspect_confirmations)
        self.started = time.monotonic()
        self.counts = dict.fromkeys(COUNTS, 0)
        self.pending: list[Fetch] = []
        self.handed_over: list[HandedOver] = []
        self.queued = 0
        self.stats: dict[str, int] = {}
        self.prober: ConditionalProbe | None = None
        self.storage_failure: Exception | None = None  # the database cannot be written: stop
        self.out_of_time = False  # max_crawl_time came before every answer did

    async def probe(self, chosen: list[tuple[dict, Source]], limits: Politeness,
                    progress_every: float, max_time: float | None = None) -> None:
        asks, later = [], []
        for row, source in chosen:
            known = validators(row)
            ask = Ask(row["url"], source.name, {**request_headers(source, row["url"]), **known}, row)
            # without validators every answer is a full page anyway: Scrapy's to fetch
            (asks if known else later).append(ask)
        self.queued = len(chosen)
        timers = [asyncio.ensure_future(self._flush())]
        if progress_every > 0:
            timers.append(asyncio.ensure_future(self._report(progress_every)))
        domains = {s.name: s for _, s in chosen}
        allowed = lambda ask: domains[ask.source].on_allowed_domain(urlsplit(ask.url).hostname or "")
        try:
            async with asyncio.timeout(max_time), ConditionalProbe(limits, allowed) as probe:
                self.prober = probe
                async for ask, answer in probe.run(asks):
                    if answer is not None and answer.status == 304:
                        self.queued -= 1
                        self.pending.append(self._not_modified(ask, answer))
                        if len(self.pending) >= BATCH_ITEMS:
                            self.write()
                    else:  # an answer is Scrapy's first attempt; no answer, a failed one
                        self.handed_over.append(HandedOver(ask.row, ask.source, answer,
                                                           ask.attempts if answer is None else 0))
        except TimeoutError:  # the answers still out are dropped: the next run asks again
            self.out_of_time = True
        finally:
            for timer in timers:
                timer.cancel()
        self.write()
        if self.storage_failure is not None:
            raise self.storage_failure
        self.stats = dict(self.prober.stats) if self.prober is not None else {}
        self.handed_over += [HandedOver(ask.row, ask.source) for ask in later]

    def _not_modified(self, ask: Ask, answer: Answer) -> Fetch:
        url = canonical_url(ask.url)
        return Fetch(url=url, source=ask.source, checked_at=datetime.now(timezone.utc),
                     http_status=304, crawl_id=self.crawl_id, duration_ms=int(answer.latency * 1000),
                     final_url=url, not_modified=True, etag=answer.header("ETag"),
                     last_modified=answer.header("Last-Modified"))

    def write(self) -> None:
        """The pending 304s in one transaction, each all-or-nothing (StorePipeline's batches)."""
        batch, self.pending = self.pending, []
        if not batch or self.storage_failure is not None:
            return
        try:
            results = record_fetches(self.db, [(fetch, None) for fetch in batch], self.schedule,
                                     self.rules)
        except Exception as exc:  # the transaction failed: none written; the next run asks again
            if storage_problem(exc, self.db_path) is not None:  # so would every other: stop
                self.storage_failure = exc
                if self.prober is not None:
                    self.prober.stop()
                return
            _warn(f"{len(batch)} checks not recorded: {exc}")
            return
        for fetch, result in zip(batch, results):
            if isinstance(result, Exception):
                _warn(f"{fetch.url}: check not recorded: {result}")
                continue
            self.counts["fetched"] += 1
            self.counts[COUNTED_AS.get(result.outcome, "failed")] += 1

    async def _flush(self) -> None:
        """A batch is written once full or BATCH_SECONDS old, as StorePipeline does: slow answers
        are not held back (a crash loses at most one batch, which the next run asks again)."""
        while True:
            await asyncio.sleep(BATCH_SECONDS)
            self.write()
            if self.asked and self.prober is not None:  # a stop came: ask nothing more
                self.prober.stop()

    async def _report(self, every: float) -> None:
        """The progress line of a long re-check, every `every` seconds while it changes."""
        last = ""
        while True:
            await asyncio.sleep(every)
            line = f"{format_counts(self.counts)} · queued {self.queued}"
            if line != last:
                print(f"[{self.name}] {line}", file=sys.stderr, flush=True)
                last = line

    def result(self) -> Precheck:
        stats = dict(self.stats)
        for key in COUNTS:
            stats[f"newswatch/{key}"] = self.counts[key]
        return Precheck(self.crawl_id, self.started, stats, self.handed_over)

    def summary(self, status: str, line: bool, verbose: bool, stats: dict) -> None:
        """As a Scrapy crawl ends: the summary line (crawler/progress.py), with -v the stats."""
        if line:
            print(f"[{self.name}] crawl {self.crawl_id} {status} in "
                  f"{time.monotonic() - self.started:.2f}s: {format_counts(self.counts)}",
                  file=sys.stderr, flush=True)
        if verbose:
            print(f"[{self.name}] re-check stats (no Scrapy crawl needed):\n"
                  f"{pformat(stats)}", file=sys.stderr, flush=True)
