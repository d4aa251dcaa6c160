"""A re-check before Scrapy loads: choose the articles due, ask each one
conditionally (crawler/probe.py) and record the 304s; only what needs more goes to Scrapy.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pprint import pformat
from urllib.parse import urlsplit

from crawler.defaults import BATCH_ITEMS, BATCH_SECONDS, PROGRESS_EVERY
from crawler.notifications import Notifier
from crawler.policy import apply_tiers, schedule_for, select_due
from crawler.probe import Answer, Ask, ConditionalProbe, Limits
from crawler.report import COUNTS, format_counts, label, time_limit_reason
from crawler.run import shard_by_domain, shard_of
from crawler.sources import Config, Source
from crawler.urls import canonical_url
from db.queries import due_articles
from db.schema import storage_problem
from db.store import COUNTED_AS, Fetch, Rules, add_to_crawl, finish_crawl, record_fetches, start_crawl


@dataclass
class Selection:
    """The due articles a worker process re-checks, with their sources."""

    rows: list[tuple[dict, Source]]
    due_left: int = 0  # due, but over this run's caps: the next runs take them


def select(db, config: Config, selected: Sequence[Source], *, by_name: bool, every: bool,
           urls: Sequence[str] | None, shard: int, shards: int,
           warn: Callable[[str], None]) -> Selection:
    """The articles due (or all of them: `every`, or just `urls`) of the `selected` sources that
    are this worker's share, most overdue first and capped as the sources file says."""
    now = datetime.now(timezone.utc)
    names = [s.name for s in selected] if by_name else None
    rows = due_articles(db, now, sources=names, every=every, urls=urls)
    by_domain = shard_by_domain(d for s in selected for d in s.allowed_domains)
    if shards > 1:
        rows = [row for row in rows if shard_of(row["url"], shards, by_domain) == shard]
    due_left = 0
    if not every and urls is None:
        # A worker of a sharded crawl chooses among its own share only, with its share of the
        # caps: choosing among all due articles raced with the other workers, whose writes
        # move their articles' next_check_at while this one is still starting.
        def share(cap: int) -> int:  # this worker's part of a crawl-wide cap; they add up to it
            return cap // shards + (1 if shard < cap % shards else 0)

        due = len(rows)
        per_domain = config.max_checks_per_domain
        rows = select_due(rows, now, max_total=share(config.max_checks_per_run),
                          max_per_domain=per_domain if by_domain else share(per_domain))
        due_left = due - len(rows)
    sources = {s.name: s for s in config.sources}
    chosen = []
    for row in rows:
        source = sources.get(row["source"])
        if source is None:
            warn(f"{row['url']}: its source {row['source']!r} is no longer in the sources file; skipped")
            continue
        chosen.append((row, source))
    return Selection(chosen, due_left)


def replan(db, config: Config, warn: Callable[[str], None]) -> None:
    """Before choosing what is due: re-plan the tracked articles if the tiers changed."""
    moved = apply_tiers(db, config.tiers)
    if moved:
        warn(f"the tiers changed: the next check of {moved} tracked article(s) was planned again")


def validators(row: dict) -> dict[str, str]:
    """A known article is asked for conditionally (RFC 9110 §13.1): a 304 costs a few hundred bytes."""
    headers = {}
    if row.get("etag"):
        headers["If-None-Match"] = row["etag"]
    if row.get("last_modified"):
        headers["If-Modified-Since"] = row["last_modified"]
    return headers


@dataclass
class HandedOver:
    """An article for Scrapy: its row and source, and the probe's answer if there is one."""

    row: dict
    source: str
    answer: Answer | None = None
    attempts: int = 0  # failed requests the probe made for it: Scrapy retries only the rest


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
             shard: tuple[int, int] | None = None, crawl_id: int | None = None, limits: Limits,
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

    async def probe(self, chosen: list[tuple[dict, Source]], limits: Limits,
                    progress_every: float, max_time: float | None = None) -> None:
        asks, later = [], []
        for row, source in chosen:
            ask = Ask(row["url"], source.name, validators(row), row)
            # without validators every answer is a full page anyway: Scrapy's to fetch
            (asks if ask.headers else later).append(ask)
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
