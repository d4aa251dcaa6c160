"""Run one crawl in this process (`python -m crawler.run`).

Twisted's reactor cannot be restarted, so everything that crawls more than once per process
(the scheduler, the demo) calls `crawler.child.start_child`, which runs this module as a new process.
With `--shard K/N --crawl-id ID` it is one of N worker processes of a crawl: it
fetches the K-th share of the articles and adds its counts to the crawl row ID. A re-check
asks its articles conditionally before Scrapy loads (crawler/recheck/precheck.py) and starts a
Scrapy crawl only for what needs more than a 304. Nothing imports this module: it is only run.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from crawler.child import EXIT_CONFIG, EXIT_STORAGE, STOP_SIGNALS

# Seconds a crawl whose parent is gone gets to stop cleanly (its downloads in flight end within
# download_timeout, 30 s by default) before it kills itself.
ORPHAN_GRACE_SECONDS = 120

# Scrapy's loggers that repeat, once per worker process and per retry, what the crawl's summary
# says once in words (-v shows them).
QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
                 "scrapy.spidermiddlewares.httperror")

def main(argv: Sequence[str] | None = None) -> int:
    # A stop asked for while Python and Scrapy load (~0.5 s, before Scrapy's own handlers are in
    # place) must not kill the process: it is remembered, and the crawl stops as soon as its
    # spider is open (a re-check's first phase: asks nothing more), cleanly ("stopped
    # (shutdown)"), like a stop that comes later. One that came even earlier was kept pending
    # by start_child's signal mask: it arrives here.
    asked: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, frame: asked.append(number))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    args = _parser().parse_args(argv)
    stop_when_parent_dies(args.parent_pid or os.getppid())
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from crawler.defaults import PROGRESS_EVERY
    from crawler.politeness import politeness_for
    from crawler.sources import SourceConfigError, load_config
    from db.schema import DatabaseError, StorageProblem, open_db, storage_problem

    # A re-check asks its articles conditionally before Scrapy loads (crawler/recheck/), and
    # loads Scrapy only for the articles that need more than a 304.
    probe_first = args.mode == "recheck" and os.environ.get("NEWSWATCH_PROBE", "1") != "0"
    if probe_first:
        from crawler.recheck.precheck import precheck
    else:
        import_scrapy()

    if args.crawl_id == "-":  # the parent (scheduler.crawls) sends it once the crawl row exists
        line = sys.stdin.readline().strip()
        if not line.isdigit():
            return EXIT_CONFIG  # the parent could not start the crawl and says why (once)
        args.crawl_id = int(line)

    try:
        config = load_config(args.sources)
        for name in args.source:
            config.source(name)
        db = open_db(args.db)  # checked (and migrated) once; a re-check's first phase uses it
    except StorageProblem as exc:
        return storage_failed(exc, args)
    except (SourceConfigError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not args.shard:  # a sharded crawl's parent does it (scheduler/crawls.py)
        code = close_stale_crawls(db, args)
        if code:
            return code
    shards = args.shard[1] if args.shard else 1
    politeness = politeness_for(config, args.source, shards, args.max_crawls)
    max_crawl_time = config.crawl_time_limit(args.source)
    progress_every = PROGRESS_EVERY if args.progress_every is None else args.progress_every
    early = None
    if not probe_first:
        db.close()  # the crawl's pipelines open their own
    else:
        try:
            early = precheck(db, args.db, config, source_names=args.source, every=args.all,
                             urls=args.url or None, shard=args.shard,
                             crawl_id=args.crawl_id if args.shard else None, limits=politeness,
                             progress_every=progress_every, verbose=args.verbose, asked=asked,
                             max_crawl_time=max_crawl_time)
        except (sqlite3.Error, DatabaseError, OSError) as exc:  # nothing half-written: batches are atomic
            if (problem := storage_problem(exc, args.db)) is not None:
                return storage_failed(problem, args)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            db.close()
        if early.status is not None:  # every article answered 304 (or a stop came): done
            if not asked and not args.shard:  # as every crawl does when it ends
                save_pages_left(config, args.db)
            return 0
        import_scrapy()

    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.ossignal import install_shutdown_handlers
    from scrapy.exceptions import CloseSpider
    from scrapy.utils.project import get_project_settings

    from crawler.spiders.news import NewsSpider

    settings = get_project_settings()
    # the sources file says who we are and how fast we may go (crawler/politeness.py)
    for name, value in politeness.scrapy_settings().items():
        settings.set(name, value, priority="project")
    if args.shard:
        settings.set("NEWSWATCH_CRAWL_ID", args.crawl_id, priority="cmdline")
    elif early is not None:  # the re-check's own row, started before Scrapy loaded
        settings.set("NEWSWATCH_OWN_CRAWL_ID", early.crawl_id, priority="cmdline")
    if early is not None:
        settings.set("NEWSWATCH_STARTED", early.started, priority="cmdline")
    # Scrapy's CloseSpider extension stops the crawl cleanly at the wall-clock limit (a
    # re-check's first phase used part of it); downloads in flight still end (download_timeout).
    used = time.monotonic() - early.started if early is not None else 0
    settings.set("CLOSESPIDER_TIMEOUT", max(1.0, max_crawl_time - used), priority="cmdline")
    settings.set("NEWSWATCH_MAX_CRAWL_TIME", max_crawl_time, priority="cmdline")
    settings.set("LOG_LEVEL", "INFO" if args.verbose else "WARNING", priority="cmdline")
    if not args.verbose:  # Scrapy looks the versions up (and runs `uname`) even for a quiet log
        settings.set("LOG_VERSIONS", [], priority="cmdline")
    settings.set("NEWSWATCH_PROGRESS_EVERY", progress_every, priority="cmdline")
    # A dead server must read as one line per problem. Scrapy logs a failed robots.txt
    # download with its whole traceback; the message already names the error.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_without_traceback)
    process = CrawlerProcess(settings)  # configures logging: levels are set after it
    if not args.verbose:  # each problem is one line of the crawl's summary (crawler.progress)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(NewsSpider)
    not_started: list[BaseException] = []  # the spider could not be made (its database unreadable, …)
    started = process.crawl(crawler, source=",".join(args.source) or None, mode=args.mode,
                  urls=args.url or None, every=args.all, db=str(args.db), sources=str(args.sources),
                  shard="{}/{}".format(*args.shard) if args.shard else None,
                  handed_over=early.handed_over if early is not None else None,
                  notifier=early.notifier if early is not None else None)
    started.addErrback(lambda failure: not_started.append(failure.value))

    def carry_over(spider) -> None:  # what the re-check counted before Scrapy loaded
        for key, value in early.stats.items():
            crawler.stats.inc_value(key, value)

    def stop_if_asked(spider) -> None:
        # A spider_opened handler that raises CloseSpider has the spider closed at once, with
        # spider_closed sent: the crawl row says "stopped (shutdown)". (Scrapy's own graceful
        # stop does nothing to an engine that is not running yet, and then stops the reactor:
        # the row stayed "running".)
        if asked:
            asked.clear()  # answered here
            raise CloseSpider("shutdown")

    def hand_over_stops() -> None:
        # Scrapy's handlers only from here, once the engine runs and can stop gracefully; a stop
        # asked for while the spider was opening is passed on to them now.
        install_shutdown_handlers(process._signal_shutdown)
        if asked:
            os.kill(os.getpid(), asked[0])

    if early is not None:
        crawler.signals.connect(carry_over, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(stop_if_asked, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(hand_over_stops, signal=signals.engine_started, weak=False)
    process.start(install_signal_handlers=False)
    from crawler.pipelines import STORAGE_PROBLEM

    if not_started:
        problem = storage_problem(not_started[0], args.db)
        if problem is None:
            raise not_started[0]
        return storage_failed(problem, args)
    if (problem := crawler.stats.get_value(STORAGE_PROBLEM)) is not None:
        return storage_failed(problem, args)
    return 0 if crawler.stats.get_value("newswatch/crawl_id") else 1


def save_pages_left(config, db_path) -> None:
    """A re-check Scrapy was not needed for still drains the Save Page Now queue, like any crawl
    (at most DRAIN_SECONDS; nothing when no source saves pages)."""
    from crawler.save_page_now import PageSaver

    PageSaver(config, db_path).close()


def close_stale_crawls(db, args: argparse.Namespace) -> int:
    """As `newswatch run` does when it starts: rows still `running` whose process is gone (a
    crawl the disk failed could not even write `failed`) say `stopped (interrupted)`. Returns
    EXIT_STORAGE (said) when the database cannot take that write, else 0."""
    from datetime import datetime, timezone

    from db import operations
    from db.schema import storage_problem

    try:
        operations.close_stale_crawls(db, operations.pid_alive, datetime.now(timezone.utc))
    except (sqlite3.Error, OSError) as exc:
        if (problem := storage_problem(exc, args.db)) is None:
            raise
        db.close()
        return storage_failed(problem, args)
    return 0


def storage_failed(problem, args: argparse.Namespace) -> int:
    """The one line of a crawl the database failed; a worker of a sharded crawl tells its
    parent (on stdout), which says it once for all of them (scheduler/crawls.py)."""
    print(f"error: {problem}", file=sys.stdout if args.shard else sys.stderr, flush=True)
    return EXIT_STORAGE


def stop_when_parent_dies(parent: int, every: float = 0.5) -> None:
    """Stop this crawl cleanly (a SIGTERM to itself) once the process that started it is gone,
    even killed with SIGKILL. Polled rather than Linux's PR_SET_PDEATHSIG, which fires when the
    *thread* that forked us ends: the scheduler starts crawls from its pool threads."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_GRACE_SECONDS)  # still here: stuck where no signal handler runs
        os.kill(os.getpid(), signal.SIGKILL)  # every write is one transaction: nothing half-written

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def import_scrapy() -> None:
    """Scrapy, and its HTTP download handler: loaded here rather than when Scrapy builds its
    downloader, deep inside the reactor, since the deprecated aliases its modules define each
    call inspect.stack(), which reads the source of every frame on the stack; loaded one by one,
    as shallow as they go (~15 ms less of every crawl process's start-up)."""
    import scrapy.crawler  # noqa: F401
    import scrapy.core.downloader.tls  # noqa: F401
    import scrapy.core.downloader.contextfactory  # noqa: F401
    import scrapy.core.downloader.handlers.http11  # noqa: F401


def _without_traceback(record: logging.LogRecord) -> bool:
    record.exc_info, record.exc_text = None, None
    return True


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 0 <= int(index) < int(count)):
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 0 <= K < N (e.g. 0/2)")
    return int(index), int(count)


def _crawl_id(text: str) -> int | str:
    if text.isdigit():
        return int(text)
    if text == "-":
        return text
    raise argparse.ArgumentTypeError(f"{text!r} is not a crawl id (a number, or - for stdin)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    # track: fetch the --url article URLs as new articles of their --source (`newswatch add`)
    parser.add_argument("mode", choices=("discover", "recheck", "track"))
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--progress-every", type=float)
    parser.add_argument("--max-crawls", type=int, help="crawls the daemon runs at once (they share the rate)")
    parser.add_argument("--shard", type=_shard, help="K/N: this process fetches the K-th of N shares")
    parser.add_argument("--parent-pid", type=int, help="stop when this process is gone (default: the parent)")
    parser.add_argument("--crawl-id", type=_crawl_id,
                        help="with --shard: the crawl row to add counts to; - reads it from stdin")
    return parser


if __name__ == "__main__":
    code = main()
    # The crawl is over and everything is written: its pipelines committed and closed the
    # database, the reactor's threads are joined. Leave without the interpreter's teardown, which
    # frees the crawl's objects one by one: ~0.2 s of every crawl process (bench/conditional.py).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
