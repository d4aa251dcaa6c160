"""The Redis keys distributed crawling shares between coordinator, workers and ingest.

    coordinator ──► WORK ──► workers (scrapy-redis: one frontier in REQUESTS, per-cycle SEEN:*)
                                 │ cleaned results (JSON, protocol.Result)
                                 ▼
               RESULTS ──BLMOVE──► PROCESSING ──(COMMIT, then LREM)──► SQLite   (ingest)
"""
from __future__ import annotations

from datetime import datetime, timezone

PREFIX = "newswatch:"
WORK = PREFIX + "work"  # JSON work items the coordinator pushes (the workers' RedisSpider key)
REQUESTS = PREFIX + "requests"  # scrapy-redis scheduler queue: the frontier all workers share
SEEN = PREFIX + "seen:"  # + cycle id: the dupefilter of one discovery cycle (expires)
RESULTS = PREFIX + "results"  # cleaned results, newest at the head (LPUSH), ingest takes the tail
PROCESSING = PREFIX + "processing"  # results ingest took but has not committed yet
FAILED = PREFIX + "failed"  # results ingest could not read or write (kept for a person to look at)
KNOWN = PREFIX + "known"  # article URLs (and aliases) the database tracks, for discovery
KNOWN_SEEDED = PREFIX + "known:seeded"  # set once the coordinator copied the database's URLs
LEASE = PREFIX + "lease:"  # + article URL: a re-check pushed and not yet ingested
WORKER = PREFIX + "worker:"  # + host:pid: a worker's heartbeat (expires after WORKER_TTL)
INGEST = PREFIX + "ingest"  # hash: the ingest process's last batch, counters and pid

WORKER_TTL = 60  # seconds: a worker not heard of for this long is not counted as alive
SEEN_TTL = 24 * 3600  # a discovery cycle's fingerprints are dropped a day after its last request
LEASE_SECONDS = 600  # a re-check not ingested after this long is pushed again by the coordinator

DEPTH_KEYS = {"work": WORK, "requests": REQUESTS, "results": RESULTS, "processing": PROCESSING,
              "failed": FAILED}


class RedisMissing(RuntimeError):
    """The `redis` extra is not installed."""

    def __init__(self):
        super().__init__("distributed crawling needs the redis extra: pip install 'newswatch[redis]'")


def connect(url: str):
    """A redis-py client for `url` (redis://host:port/db); RedisMissing without redis-py."""
    try:
        import redis
    except ImportError:
        raise RedisMissing() from None
    return redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)


def seen_before(server, cycle: str, member: str) -> bool:
    """Marks `member` seen in discovery cycle `cycle` (shared by every worker, expiring);
    whether it had been already."""
    key = SEEN + cycle
    with server.pipeline(transaction=False) as pipe:
        pipe.sadd(key, member)
        pipe.expire(key, SEEN_TTL)
        added, _ = pipe.execute()
    return added == 0


def new_cycle(kind: str, source: str | None = None, now: datetime | None = None) -> str:
    """`discover:<source>:<UTC time>` or `recheck:<UTC time>` (db.ingest reads it back)."""
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"discover:{source}:{stamp}" if kind == "discover" else f"recheck:{stamp}"
