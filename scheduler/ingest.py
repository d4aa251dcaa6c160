"""`newswatch ingest --redis URL`: the one process that writes distributed results.

Reliable queue: a batch moves from RESULTS to PROCESSING (BLMOVE / LMOVE, atomic in Redis), is
written in ONE SQLite transaction (`db.ingest.write_batch`), and leaves PROCESSING (LREM) only
after COMMIT. Killed before COMMIT: SQLite rolls the batch back, and the next start writes what
PROCESSING still holds. Killed after COMMIT, before LREM: the replay finds each result's id in
`checks` and skips it. So any kill loses nothing and duplicates nothing.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from crawler.distributed import queues
from crawler.distributed.protocol import Result
from crawler.notifications import Notifier
from crawler.recheck.policy import schedule_for
from crawler.save_page_now import PageSaver
from crawler.sources import Config
from db.ingest import write_batch
from db.schema import open_db
from db.store import FetchResult, Rules

log = logging.getLogger("newswatch.ingest")
# Outcomes after which the fetched URL is a tracked article (a replay: it was written before).
TRACKED = {"new", "changed", "unchanged", "not_modified", "unchanged_raw"}
BATCH = 200  # results per transaction: large enough to amortise the commit, small enough to replay


class Ingest:
    def __init__(self, db: Path, config: Config, redis_url: str, *, batch: int = BATCH, echo=print):
        self.db_path, self.config, self.batch = Path(db), config, batch
        self.redis = queues.connect(redis_url)
        self.schedule = schedule_for(config.tiers)
        self.rules = Rules(gone_after=config.gone_after,
                           suspect_confirmations=config.suspect_confirmations)
        self.echo = echo
        self.stopping = threading.Event()
        self.totals: Counter = Counter()
        self.notifier: Notifier | None = None  # while `run` runs
        self.saver: PageSaver | None = None  # Save Page Now, while `run` runs

    def run(self, *, until_idle: bool = False) -> Counter:
        """Write results until SIGTERM / Ctrl-C (or, `until_idle`, until both lists are empty)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        db = open_db(self.db_path)
        self.notifier = Notifier(self.config, self.db_path)
        self.saver = PageSaver(self.config, self.db_path)
        try:
            left = self.redis.lrange(queues.PROCESSING, 0, -1)
            if left:  # a previous ingest stopped between taking a batch and removing it
                self.echo(f"ingest: replaying {len(left)} results left in processing")
                for start in range(0, len(left), self.batch):
                    self.write(db, left[start:start + self.batch])
            self.redis.hset(queues.INGEST, mapping={"pid": os.getpid(), "started_at": _now()})
            while not self.stopping.is_set():
                raws = self.take(timeout=0.2 if until_idle else 1.0)
                if raws:
                    self.write(db, raws)
                elif until_idle:
                    break
        finally:
            db.close()
            self.notifier.close()
            self.saver.close()
        return self.totals

    def take(self, timeout: float) -> list[bytes]:
        """Up to `batch` results moved from RESULTS (oldest first) to PROCESSING."""
        first = self.redis.blmove(queues.RESULTS, queues.PROCESSING, timeout, "RIGHT", "LEFT")
        if first is None:
            return []
        raws = [first]
        while len(raws) < self.batch:
            with self.redis.pipeline(transaction=False) as pipe:
                for _ in range(min(50, self.batch - len(raws))):
                    pipe.lmove(queues.RESULTS, queues.PROCESSING, "RIGHT", "LEFT")
                more = [r for r in pipe.execute() if r is not None]
            raws += more
            if len(more) < 50:
                break
        return raws

    def write(self, db, raws: list[bytes]) -> None:
        parsed: list[tuple[bytes, Result]] = []
        bad = []
        for raw in raws:
            try:
                parsed.append((raw, Result.from_json(raw)))
            except (ValueError, KeyError, TypeError) as exc:
                log.error("unreadable result moved to %s: %s", queues.FAILED, exc)
                bad.append(raw)
        # Each result is all-or-nothing inside the batch's transaction: one bad result is rolled
        # back alone and moved to FAILED, so it never blocks the queue. (A failure of the
        # transaction itself raises: the batch stays in PROCESSING for the next start.)
        outcomes = write_batch(db, [r for _, r in parsed], self.schedule, self.rules)
        done = []
        for (raw, result), outcome in zip(parsed, outcomes):
            if isinstance(outcome, Exception):
                log.error("result %s moved to %s: %s", result.result_id, queues.FAILED, outcome)
                bad.append(raw)
            else:
                done.append((raw, result, outcome))
        self.after_commit([r for _, r, _ in done], [raw for raw, _, _ in done], bad,
                          [w for _, _, w in done])

    def after_commit(self, results: list[Result], done: list[bytes], bad: list[bytes],
                     written: list[FetchResult]) -> None:
        """Committed: tell discovery the URLs are known, free the leases, then let go of them;
        announce the new versions (notifications)."""
        now = time.time()
        lags = [now - r.pushed_at.timestamp() for r in results if r.pushed_at is not None]
        self.totals.update(w.outcome for w in written)
        for result, w in zip(results, written):
            if w.version_id is not None and self.notifier is not None:  # before LREM: a replay finds it written, never twice
                self.notifier.announce(w.version_id, result.fetch.source)
            if w.version_id is not None and self.saver is not None:
                self.saver.announce(w.version_id, result.fetch.source)
        with self.redis.pipeline(transaction=False) as pipe:
            for result, outcome in zip(results, (w.outcome for w in written)):
                if result.kind != "fetch":
                    continue
                if outcome in TRACKED:  # the article exists now: discovery must not fetch it
                    pipe.sadd(queues.KNOWN, *{result.fetch.url, result.fetch.final_url or result.fetch.url})
                pipe.delete(queues.LEASE + result.fetch.url)
            for raw in bad:
                pipe.lpush(queues.FAILED, raw)
            for raw in done + bad:
                pipe.lrem(queues.PROCESSING, 1, raw)
            pipe.hset(queues.INGEST, mapping={
                "pid": os.getpid(), "last_batch_at": _now(), "last_batch": len(results),
                "last_lag_seconds": round(max(lags), 1) if lags else 0,
                "written": sum(self.totals.values())})
            pipe.execute()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
