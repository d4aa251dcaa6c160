"""A crawl in child processes (`python -m crawler.run`): what the CLI's `crawl` and `recheck`, the
demo and the scheduler daemon run. Kept apart from the daemon so that a one-off crawl does not
load APScheduler."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from crawler.child import EXIT_STORAGE, STOP_SIGNALS, child_command, start_child
from crawler.sources import Config
from db.schema import open_db, storage_problem

__all__ = ["CrawlResult", "default_workers", "run_crawl_child"]


@dataclass(frozen=True)
class CrawlResult:
    exit_code: int
    crawl: dict | None  # the crawl's row in the `crawls` table
    stopped_by: int | None = None  # the stop signal this process passed on to the crawl, if any


def run_crawl_child(db: Path, sources: Path, mode: str, *, source_names: Sequence[str] = (),
                    every: bool = False, urls: Sequence[str] = (), verbose: bool = False,
                    on_start=None, progress_every: float | None = None,
                    workers: int | None = None, max_crawls: int | None = None) -> CrawlResult:
    """Run one crawl in a child process, wait for it and return its `crawls` row.

    With `workers` > 1 (one Scrapy process uses one core) the crawl is sharded over
    that many child processes, which write into one `crawls` row this process opens and closes.
    """
    workers = max(1, min(workers or 1, len(urls) or workers or 1))
    children: list[subprocess.Popen] = []
    with stops_passed_on(children) as received:
        if workers > 1:
            result = _run_sharded(db, sources, mode, workers, source_names=source_names,
                                  every=every, urls=urls, verbose=verbose, on_start=on_start,
                                  progress_every=progress_every, children=children,
                                  max_crawls=max_crawls)
        else:
            result = _run_one(db, sources, mode, children, on_start, source_names=source_names,
                              every=every, urls=urls, verbose=verbose,
                              progress_every=progress_every, max_crawls=max_crawls)
    return CrawlResult(result.exit_code, result.crawl, received[0] if received else None)


def _run_one(db: Path, sources: Path, mode: str, children: list, on_start, **options) -> CrawlResult:
    child = start_child(child_command(db, sources, mode, **options))
    children.append(child)
    if on_start is not None:
        on_start(child)
    code = _wait(child)
    row = None
    try:
        if Path(db).exists():
            row = next(open_db(db, readonly=True).query(
                "select * from crawls where pid = ? order by id desc limit 1", [child.pid]), None)
    except Exception:
        if code != EXIT_STORAGE:  # the child said why the database cannot be used
            raise
    return CrawlResult(code, row)


@contextmanager
def stops_passed_on(children: list[subprocess.Popen]) -> Iterator[list[int]]:
    """While the crawl runs, SIGTERM / SIGINT to this process go on to its crawl processes, which
    stop cleanly (their rows `stopped (shutdown)`), and this process waits for them rather than
    dying and leaving them behind; a second one kills them. Yields the signals received. Left
    alone: a caller that handles the stop signals itself (the daemon), and any thread but the
    main one (signals go there)."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread() or any(
            signal.getsignal(s) not in (signal.SIG_DFL, signal.default_int_handler)
            for s in STOP_SIGNALS):
        yield received
        return

    def pass_on(signum, frame) -> None:
        received.append(signum)
        for child in children:
            if len(received) == 1:
                child.send_signal(signum)  # does nothing to one that has ended
            else:  # asked twice: one that is stuck (in C code, deaf to signals) goes now; every
                child.kill()  # write is one transaction, so this loses no half version

    previous = {s: signal.signal(s, pass_on) for s in STOP_SIGNALS}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_sharded(db: Path, sources: Path, mode: str, workers: int, *, on_start,
                 progress_every: float | None, children: list, **options) -> CrawlResult:
    started = time.monotonic()
    names = options.get("source_names") or ()
    # The workers start first and are told their crawl row on stdin once it exists: their
    # Python and Scrapy start-up (~0.5 s) overlaps this process opening the database.
    for index in range(workers):
        command = child_command(db, sources, mode, progress_every=progress_every,
                                shard=(index, workers), crawl_id="-", **options)
        # stdout: a worker the database failed says why there (crawler.run.storage_failed)
        children.append(start_child(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE))
        if on_start is not None:
            on_start(children[-1])
    try:
        from db import store  # after the workers started: it loads the text-diff machinery

        from db import operations

        conn = open_db(db)
        operations.close_stale_crawls(conn, operations.pid_alive, datetime.now(timezone.utc))
        crawl_id = store.start_crawl(conn, mode, ",".join(names) or None, os.getpid(),
                                     datetime.now(timezone.utc))
    except BaseException:
        _tell(children, None)  # no crawl row: they leave without crawling
        for child in children:
            _wait(child)
        raise
    try:
        _tell(children, crawl_id)
        codes = [_wait(child) for child in children]
        # a worker that failed before writing its counts (exit 1: no crawl, 2: configuration)
        bad = EXIT_STORAGE if EXIT_STORAGE in codes else next((c for c in codes if c != 0), 0)
        for line in dict.fromkeys(_said(children)):  # every worker met the same problem: once
            print(line, file=sys.stderr, flush=True)
        try:
            store.end_crawl(conn, crawl_id, "finished" if not bad else f"failed (exit code {bad})",
                            datetime.now(timezone.utc))
        except Exception as exc:  # a worker said why; the next crawl closes the row
            if bad != EXIT_STORAGE or storage_problem(exc, db) is None:
                raise
            return CrawlResult(bad, None)
        row = conn.execute("select * from crawls where id = ?", [crawl_id])
        row = dict(zip([c[0] for c in row.description], row.fetchone()))
    finally:
        conn.close()
    if progress_every is None or progress_every > 0:  # the whole crawl's line, as one process prints
        print(f"[{mode}] crawl {crawl_id} {row['status']} in {time.monotonic() - started:.2f}s: "
              + " · ".join(f"{k} {row[k] or 0}" for k in ("fetched", "new", "changed", "unchanged",
                                                           "failed")), file=sys.stderr, flush=True)
    return CrawlResult(bad, row)


def _said(children: list[subprocess.Popen]) -> list[str]:
    """The lines the workers wrote on stdout (read once they have ended)."""
    return [line for child in children for line in child.stdout.read().decode().splitlines()
            if line.strip()]


def _tell(children: list[subprocess.Popen], crawl_id: int | None) -> None:
    """Send each worker its crawl row (None: end of input, so that it leaves)."""
    for child in children:
        try:
            if crawl_id is not None:
                child.stdin.write(f"{crawl_id}\n".encode())
            child.stdin.close()
        except BrokenPipeError:  # it has already ended (its exit code says why)
            pass


def default_workers(config: Config) -> int:
    """Worker processes per crawl: `[settings] workers`, else one per core."""
    return config.workers or os.cpu_count() or 1


def _wait(child: subprocess.Popen) -> int:
    try:
        return child.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the child too; let it finish writing
        return child.wait()
