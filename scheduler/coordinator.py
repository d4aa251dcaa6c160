"""`newswatch run --redis URL`: the schedule of `run`, but due work goes to Redis.

The coordinator keeps the APScheduler jobs of `Daemon` (their state in the `jobs` table) and,
instead of starting a crawl, pushes the work: a discovery cycle is the source's feed, sitemap
and section URLs; a re-check cycle is the due articles with their validators. Workers fetch,
`newswatch ingest` writes.

Known URLs. A worker cannot read SQLite, yet discovery must not fetch the articles we track.
The coordinator copies the database's article URLs and aliases into the Redis set KNOWN (once,
and again whenever Redis lost it) and ingest adds every URL it writes. Filtering in the worker,
before the request, is what keeps a discovery cycle from re-fetching every listed article
(politeness; the alternative — ingest dropping "new" results for known URLs — would fetch them
all each cycle). A URL discovered twice before ingest caught up is harmless: ingest finds the
article by URL and records an `unchanged` check, never a second article.

Nothing lost. Redis is only transport: the schedule stays in SQLite. A re-check is pushed with
a lease (LEASE_SECONDS) so that it is not pushed again while in flight; ingest drops the lease
when it commits the result. A re-check a killed worker held is pushed again when its lease
expires (the article is still due); a discovered article it held is still unknown, so the next
discovery cycle (a new dupefilter key) requests it again.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timezone

from crawler.distributed import queues
from crawler.distributed.protocol import Heartbeat, Result, WorkItem
from crawler.recheck.due import replan, select
from db import operations
from db.schema import open_db
from scheduler.jobs import Daemon

KNOWN_CHUNK = 5000


class Coordinator(Daemon):
    """`Daemon` whose jobs push work into Redis instead of running crawls."""

    def __init__(self, *args, redis_url: str, lease: int = queues.LEASE_SECONDS, **kwargs):
        super().__init__(*args, **kwargs)
        self.redis_url, self.lease = redis_url, lease
        self.redis = queues.connect(redis_url)

    def crawl(self, mode: str, source_names: Sequence[str]) -> None:
        if self.stopping.is_set():
            return
        job = f"{mode}:{','.join(source_names)}" if source_names else mode
        now = datetime.now(timezone.utc)
        try:
            self._write(operations.job_started, job, mode, ",".join(source_names) or None, now)
            if mode == "discover":
                cycle, pushed = self.push_discovery(source_names[0], now)
            else:
                cycle, pushed = self.push_rechecks(now)
            self._write(operations.job_finished, job, datetime.now(timezone.utc),
                        f"pushed {pushed}", None)
            self.log.event("work_pushed", job=job, cycle=cycle, pushed=pushed)
        except Exception as exc:  # Redis down: log it, the next run of the job tries again
            self.log.event("push_failed", "error", job=job, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._save_next_runs()

    def push_discovery(self, name: str, now: datetime) -> tuple[str, int]:
        """A new discovery cycle of source `name`: its feeds, sitemaps and section pages."""
        self.seed_known()
        source = self.config.source(name)
        cycle = queues.new_cycle("discover", name, now)
        items = [WorkItem("discover", url, name, cycle, parser=parser)
                 for parser, urls in (("feed", source.feeds), ("sitemap", source.sitemaps),
                                      ("section", source.start_urls)) for url in urls]
        self.redis.rpush(queues.WORK, *[i.to_json() for i in items])
        return cycle, len(items)

    def push_rechecks(self, now: datetime) -> tuple[str, int]:
        """A re-check cycle: the due articles (most overdue first, capped as a local re-check
        is), minus those still leased to an earlier cycle."""
        db = open_db(self.db)
        try:  # the same choice as a local re-check: one selection, one set of caps
            replan(db, self.config, lambda line: self.log.event("replanned", detail=line))
            chosen = select(db, self.config, list(self.config.sources), by_name=False, every=False,
                            urls=None, shard=0, shards=1,
                            warn=lambda line: self.log.event("skipped", "warning", detail=line))
        finally:
            db.close()
        rows = [row for row, _source in chosen.rows]
        cycle = queues.new_cycle("recheck", now=now)
        with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                pipe.set(queues.LEASE + row["url"], cycle, nx=True, ex=self.lease)
            granted = pipe.execute()
        items = [WorkItem("recheck", r["url"], r["source"], cycle, etag=r["etag"],
                          last_modified=r["last_modified"], raw_hash=r["raw_hash"]).to_json()
                 for r, ok in zip(rows, granted) if ok]
        if items:
            self.redis.rpush(queues.WORK, *items)
        return cycle, len(items)

    def seed_known(self) -> None:
        """Copy the database's article URLs and aliases into KNOWN unless Redis has them."""
        if self.redis.exists(queues.KNOWN_SEEDED):
            return
        db = open_db(self.db, readonly=True)
        try:
            urls = [r[0] for r in db.execute("select url from articles union all select url from aliases")]
        finally:
            db.close()
        for start in range(0, len(urls), KNOWN_CHUNK):
            self.redis.sadd(queues.KNOWN, *urls[start:start + KNOWN_CHUNK])
        self.redis.set(queues.KNOWN_SEEDED, datetime.now(timezone.utc).isoformat())


def redis_status(redis_url: str, now: float | None = None) -> dict:
    """Queue depths, the workers heard of in the last WORKER_TTL seconds and the ingest lag."""
    server = queues.connect(redis_url)
    now = now if now is not None else time.time()
    with server.pipeline(transaction=False) as pipe:
        for key in queues.DEPTH_KEYS.values():
            pipe.type(key)
        kinds = pipe.execute()
    with server.pipeline(transaction=False) as pipe:
        for key, kind in zip(queues.DEPTH_KEYS.values(), kinds):
            pipe.zcard(key) if kind in (b"zset", "zset") else pipe.llen(key)
        depths = dict(zip(queues.DEPTH_KEYS, pipe.execute()))
    workers = []
    for key in server.scan_iter(match=queues.WORKER + "*", count=500):
        value = server.get(key)
        if value:
            workers.append(asdict(Heartbeat.from_json(value)))
    oldest = server.lindex(queues.RESULTS, -1) or server.lindex(queues.PROCESSING, -1)
    lag = None
    if oldest:  # how long the oldest result not yet written has waited
        try:
            pushed = Result.from_json(oldest).pushed_at.timestamp()
            lag = round(max(0.0, now - pushed), 1)
        except (ValueError, KeyError, TypeError, AttributeError):
            lag = None
    ingest = {k.decode(): v.decode() for k, v in server.hgetall(queues.INGEST).items()}
    return {"redis": redis_url, "queues": depths, "workers": sorted(workers, key=lambda w: w["worker"]),
            "ingest": ingest, "ingest_lag_seconds": lag if oldest else 0.0}
