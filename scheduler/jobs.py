"""The scheduler daemon (`newswatch run`) and the child-process crawl it and the CLI use."""
from __future__ import annotations

import logging
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.run import child_command, start_child
from crawler.sources import Config
from db import queries
from db.schema import open_db
from scheduler.lock import AlreadyRunning, RunLock

__all__ = ["AlreadyRunning", "CrawlResult", "Daemon", "run_crawl_child"]
log = logging.getLogger("newswatch.scheduler")

# A job that could not start on time (machine asleep, previous run still going) still runs if
# it is at most this late; later than that it waits for its next slot. Coalescing means a
# backlog of missed runs becomes one run, never N.
MISFIRE_GRACE_SECONDS = 3600
STOP_GRACE_SECONDS = 30  # how long a child crawl gets to stop cleanly after SIGTERM


@dataclass(frozen=True)
class CrawlResult:
    exit_code: int
    crawl: dict | None  # the crawl's row in the `crawls` table


def run_crawl_child(db: Path, sources: Path, mode: str, *, source_names: Sequence[str] = (),
                    every: bool = False, urls: Sequence[str] = (), verbose: bool = False,
                    on_start=None, progress_every: float | None = None) -> CrawlResult:
    """Run one crawl in a child process, wait for it and return its `crawls` row."""
    command = child_command(db, sources, mode, source_names=source_names, every=every, urls=urls,
                            verbose=verbose, progress_every=progress_every)
    child = start_child(command)
    if on_start is not None:
        on_start(child)
    try:
        code = child.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the child too; let it finish writing
        code = child.wait()
    row = None
    if Path(db).exists():
        row = next(open_db(db, readonly=True).query(
            "select * from crawls where pid = ? order by id desc limit 1", [child.pid]), None)
    return CrawlResult(code, row)


class Daemon:
    """`newswatch run`: discovery per source on its interval and a re-check job."""

    def __init__(self, db: Path, sources: Path, config: Config, *, max_crawls: int = 2,
                 echo=print):
        self.db, self.sources, self.config = Path(db), Path(sources), config
        self.max_crawls = max_crawls
        self.echo = echo
        self.children: set[subprocess.Popen] = set()
        self.children_lock = threading.Lock()
        self.stopping = threading.Event()
        self.scheduler: BlockingScheduler | None = None

    def build(self, now: datetime | None = None) -> BlockingScheduler:
        now = now or datetime.now(timezone.utc)
        scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(self.max_crawls)}, timezone=timezone.utc,
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": MISFIRE_GRACE_SECONDS})
        for source in self.config.sources:
            scheduler.add_job(self.crawl, IntervalTrigger(seconds=source.discover_every),
                              args=["discover", (source.name,)], id=f"discover:{source.name}",
                              name=f"discover {source.name}", next_run_time=now)
        # Re-checks start a moment after discovery so the first discovery is not competing.
        scheduler.add_job(self.crawl, IntervalTrigger(seconds=self.config.recheck_every),
                          args=["recheck", ()], id="recheck", name="recheck",
                          next_run_time=now + timedelta(seconds=1))
        return scheduler

    def crawl(self, mode: str, source_names: Sequence[str]) -> None:
        if self.stopping.is_set():
            return
        if mode == "recheck" and not self._anything_due():
            log.info("recheck: nothing due")
            return
        result = run_crawl_child(self.db, self.sources, mode, source_names=source_names,
                                 on_start=self._track, progress_every=0)
        row = result.crawl or {}
        self.echo(f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} {mode} "
                  f"{','.join(source_names) or 'all'}: exit {result.exit_code} · "
                  + " · ".join(f"{k} {row.get(k, 0)}" for k in ("fetched", "new", "changed",
                                                                  "unchanged", "failed")))

    def _anything_due(self) -> bool:
        if not self.db.exists():
            return False
        db = open_db(self.db, readonly=True)
        return bool(queries.due_articles(db, datetime.now(timezone.utc)))

    def _track(self, child: subprocess.Popen) -> None:
        with self.children_lock:
            self.children = {c for c in self.children if c.poll() is None} | {child}
        if self.stopping.is_set():
            child.terminate()

    def run(self, once: bool = False) -> None:
        with RunLock(self.db):
            open_db(self.db).close()  # migrate before any child starts
            if once:
                for source in self.config.sources:
                    self.crawl("discover", (source.name,))
                self.crawl("recheck", ())
                return
            self.scheduler = self.build()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, self._stop)
            self.echo(f"newswatch run: {len(self.config.sources)} source(s), re-check every "
                      f"{self.config.recheck_every}s, database {self.db}; Ctrl-C to stop")
            self.scheduler.start()  # blocks until _stop shuts it down
            self._wait_for_children()

    def _stop(self, signum, frame) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self.echo(f"newswatch run: {signal.Signals(signum).name}, stopping after the running crawls")
        with self.children_lock:
            for child in self.children:
                if child.poll() is None:
                    child.terminate()  # Scrapy stops gracefully on SIGTERM
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)

    def _wait_for_children(self) -> None:
        with self.children_lock:
            children = list(self.children)
        for child in children:
            try:
                child.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()  # every write is one transaction: killing loses no half version
                child.wait()
