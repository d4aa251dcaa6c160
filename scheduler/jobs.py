"""The scheduler daemon (`newswatch run`); its crawls run as scheduler.crawls runs them."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.events import EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.child import EXIT_STORAGE
from crawler.sources import Config
from db import operations
from db.schema import open_db
from scheduler import health
from scheduler.crawls import default_workers, run_crawl_child
from scheduler.events import EventHandler, EventLog
from scheduler.lock import AlreadyRunning, RunLock

__all__ = ["AlreadyRunning", "Daemon"]
log = logging.getLogger("newswatch.scheduler")

# A job that could not start on time (machine asleep, previous run still going) still runs if
# it is at most this late; later than that it waits for its next slot. Coalescing means a
# backlog of missed runs becomes one run, never N.
MISFIRE_GRACE_SECONDS = 3600
STOP_GRACE_SECONDS = 30  # how long a child crawl gets to stop cleanly after SIGTERM
# Extraction health reads a source's last 30 days of checks: once an hour per source is enough.
HEALTH_EVERY = timedelta(hours=1)
# The Save Page Now outbox is drained this often, each drain for at most SAVE_PAGES_SECONDS.
SAVE_PAGES_EVERY, SAVE_PAGES_SECONDS = 60, 50.0


def first_runs(config: Config, last_discovery: dict[str, datetime | None],
               now: datetime) -> dict[str, datetime]:
    """When each discovery job first runs after a start (durable state): a source whose
    last finished discovery is older than its interval runs now, once, however many runs were
    missed (coalesced, not replayed); the others keep their rhythm from that last discovery."""
    runs = {}
    for source in config.sources:
        last = last_discovery.get(source.name)
        due = last + timedelta(seconds=source.discover_every) if last else now
        runs[source.name] = max(due, now)
    return runs


def _upcoming(job, now: datetime) -> datetime | None:
    """The job's next run; APScheduler announces a submitted job before it moves its
    next_run_time on, so a time already past is replaced by the trigger's next one."""
    upcoming = getattr(job, "next_run_time", None)
    if upcoming is not None and upcoming <= now:
        upcoming = job.trigger.get_next_fire_time(upcoming, now)
    return upcoming


class Daemon:
    """`newswatch run`: discovery per source on its interval and a re-check job.

    Discovery and re-checks run on separate executors, so re-checks can never starve
    discovery; the re-check job keeps one crawl slot, discovery the other `max_crawls - 1`
    (at least one). Its state (last runs, outcomes, next runs) lives in the `jobs` table.
    """

    def __init__(self, db: Path, sources: Path, config: Config, *, max_crawls: int | None = None,
                 echo=print, log_format: str = "text"):
        self.db, self.sources, self.config = Path(db), Path(sources), config
        self.max_crawls = max_crawls or config.max_crawls
        self.log = EventLog(log_format, echo)
        self.children: set[subprocess.Popen] = set()
        self.children_lock = threading.RLock()  # _stop may come, in the main thread, inside _track
        self.stopping = threading.Event()
        self.storage_failed = False  # a crawl met a full disk or a damaged file (it said so)
        self.scheduler: BlockingScheduler | None = None
        self.warnings: dict[str, str | None] = {}
        self.health_checked: dict[str, datetime] = {}

    def build(self, now: datetime | None = None) -> BlockingScheduler:
        now = now or datetime.now(timezone.utc)
        scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max(1, self.max_crawls - 1)),
                       "recheck": ThreadPoolExecutor(1), "save-page-now": ThreadPoolExecutor(1)},
            timezone=timezone.utc,
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": MISFIRE_GRACE_SECONDS})
        db = open_db(self.db)
        last = {s.name: operations.last_finished_discovery(db, s.name) for s in self.config.sources}
        db.close()
        for name, first in first_runs(self.config, last, now).items():
            source = self.config.source(name)
            scheduler.add_job(self.crawl, IntervalTrigger(seconds=source.discover_every),
                              args=["discover", (name,)], id=f"discover:{name}",
                              name=f"discover {name}", next_run_time=first)
        # Re-checks start a moment after discovery so the first discovery is not competing.
        scheduler.add_job(self.crawl, IntervalTrigger(seconds=self.config.recheck_every),
                          args=["recheck", ()], id="recheck", name="recheck", executor="recheck",
                          next_run_time=now + timedelta(seconds=1))
        if any(self.config.saves_pages(s) for s in self.config.sources):
            scheduler.add_job(self.save_pages, IntervalTrigger(seconds=SAVE_PAGES_EVERY),
                              id="save-page-now", name="save page now", executor="save-page-now",
                              next_run_time=now + timedelta(seconds=SAVE_PAGES_EVERY))
        return scheduler

    def save_pages(self) -> None:
        """Drain the Save Page Now outbox (crawler/save_page_now.py) for a bounded time."""
        from crawler.save_page_now import KeysError, drain

        db = open_db(self.db)
        try:
            report = drain(db, self.config, seconds=SAVE_PAGES_SECONDS)
        except KeysError as exc:
            self.log.event("save_page_now_keys", "error", why=str(exc))
            return
        finally:
            db.close()
        if report.submitted or report.failed:
            self.log.event("save_page_now", "warning" if report.failed else "info",
                           submitted=report.submitted, saved=report.saved, failed=report.failed,
                           **({"error": report.errors[-1]} if report.errors else {}))

    def crawl(self, mode: str, source_names: Sequence[str]) -> None:
        """One job run: a child crawl, its row in `jobs`, one log event, the health check."""
        if self.stopping.is_set():
            return
        job = f"{mode}:{','.join(source_names)}" if source_names else mode
        try:
            if mode == "recheck" and not self._anything_due():
                self.log.event("recheck_skipped", reason="nothing due")
                return
            self._write(operations.job_started, job, mode, ",".join(source_names) or None,
                        datetime.now(timezone.utc))
            result = run_crawl_child(self.db, self.sources, mode, source_names=source_names,
                                     on_start=self._track, progress_every=0,
                                     workers=default_workers(self.config),
                                     max_crawls=self.max_crawls)  # they share the rate
            row = result.crawl or {}
            self.storage_failed |= result.exit_code == EXIT_STORAGE
            outcome = row.get("status") or f"exit {result.exit_code}"
            self._write(operations.job_finished, job, datetime.now(timezone.utc), outcome,
                        row.get("id"))
            self.log.event("crawl_finished", "info" if result.exit_code == 0 else "error", job=job,
                           exit=result.exit_code, status=outcome, crawl_id=row.get("id"),
                           **{k: row.get(k, 0) for k in ("fetched", "new", "changed", "unchanged",
                                                         "failed")},
                           **({"error": row["error"]} if row.get("error") else {}))
            self._check_extraction(source_names or [s.name for s in self.config.sources])
        finally:
            self._save_next_runs()

    def _write(self, function, *args) -> None:
        db = open_db(self.db)
        try:
            function(db, *args)
        finally:
            db.close()

    def _anything_due(self) -> bool:
        if not self.db.exists():
            return False
        db = open_db(self.db, readonly=True)
        try:
            return operations.due_count(db, datetime.now(timezone.utc)) > 0
        finally:
            db.close()

    def _check_extraction(self, names: Sequence[str]) -> None:
        """Log a warning when a source's extraction degrades (once, until it changes)."""
        now = datetime.now(timezone.utc)
        names = [n for n in names if now - self.health_checked.get(n, now - HEALTH_EVERY)
                 >= HEALTH_EVERY]
        if not names:
            return
        (recent_from, recent_to), (history_from, history_to) = health.windows(now)
        db = open_db(self.db, readonly=True)
        try:
            for name in names:
                self.health_checked[name] = now
                warning = health.extraction_warning(
                    operations.extraction_numbers(db, name, recent_from, recent_to),
                    operations.extraction_numbers(db, name, history_from, history_to))
                if warning and warning != self.warnings.get(name):
                    self.log.event("extraction_degraded", "warning", source=name, why=warning)
                self.warnings[name] = warning
        finally:
            db.close()

    def _save_next_runs(self, stopped: bool = False) -> None:
        if self.scheduler is None:
            return
        now = datetime.now(timezone.utc)
        runs = {job.id: (job.id.split(":")[0], job.id.partition(":")[2] or None,
                         _upcoming(job, now)) for job in self.scheduler.get_jobs()}
        stopped = stopped or self.stopping.is_set()
        self._write(operations.save_next_runs, runs, None if stopped else os.getpid(), now)

    def _track(self, child: subprocess.Popen) -> None:
        with self.children_lock:
            self.children = {c for c in self.children if c.poll() is None} | {child}
        if self.stopping.is_set():
            child.terminate()

    def run(self, once: bool = False) -> None:
        with RunLock(self.db):
            db = open_db(self.db)  # migrate before any child starts
            stale = operations.close_stale_crawls(db, operations.pid_alive, datetime.now(timezone.utc))
            db.close()
            if stale:
                self.log.event("stale_crawls_closed", "warning", count=stale)
            for signum in (signal.SIGTERM, signal.SIGINT):  # --once too: its crawls stop with it
                signal.signal(signum, self._stop)
            if once:
                for source in self.config.sources:
                    self.crawl("discover", (source.name,))
                self.crawl("recheck", ())
                if any(self.config.saves_pages(s) for s in self.config.sources):
                    self.save_pages()
                return
            aps = logging.getLogger("apscheduler")
            aps.addHandler(EventHandler(self.log))
            aps.propagate = False
            self.scheduler = self.build()
            self.scheduler.add_listener(lambda event: self._save_next_runs(),
                                        EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED)
            self.log.event("daemon_started", pid=os.getpid(), sources=len(self.config.sources),
                           recheck_every=self.config.recheck_every, max_crawls=self.max_crawls,
                           db=str(self.db))
            self._save_next_runs()
            self.scheduler.start()  # blocks until _stop shuts it down
            self._wait_for_children()
            self._save_next_runs(stopped=True)
            self.log.event("daemon_stopped", pid=os.getpid())

    def _stop(self, signum, frame) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self.log.event("daemon_stopping", signal=signal.Signals(signum).name,
                       running_crawls=sum(1 for c in self.children if c.poll() is None))
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
