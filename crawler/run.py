"""Run one crawl in this process (`python -m crawler.run`), or start one in a child process.

Twisted's reactor cannot be restarted, so everything that crawls more than once per process
(the scheduler, the demo) calls `start_child`, which runs this module as a new process.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_CONFIG = 2


def child_command(db: Path | str, sources: Path | str, mode: str, *, source_names: Sequence[str] = (),
                  every: bool = False, urls: Sequence[str] = (), verbose: bool = False,
                  progress_every: float | None = None) -> list[str]:
    """The argument list of a child crawl (an argument list, never a shell string)."""
    command = [sys.executable, "-m", "crawler.run", "--db", str(db), "--sources", str(sources), mode]
    for name in source_names:
        command += ["--source", name]
    for url in urls:
        command += ["--url", url]
    if every:
        command.append("--all")
    if verbose:
        command.append("--verbose")
    if progress_every is not None:
        command += ["--progress-every", str(progress_every)]
    return command


def start_child(command: list[str], **popen_kwargs) -> subprocess.Popen:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    env.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return subprocess.Popen(command, env=env, **popen_kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.sources import SourceConfigError, load_config
    from crawler.spiders.news import NewsSpider
    from db.schema import DatabaseError, open_db

    try:
        config = load_config(args.sources)
        for name in args.source:
            config.source(name)
        open_db(args.db).close()
    except (SourceConfigError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    settings = get_project_settings()
    settings.set("USER_AGENT", config.user_agent, priority="project")  # the sources file says who we are
    settings.set("DOWNLOAD_TIMEOUT", config.download_timeout, priority="project")
    for name, value in limit_settings(config, args.source).items():  # issue 5: [settings] limits
        settings.set(name, value, priority="project")
    settings.set("LOG_LEVEL", "INFO" if args.verbose else "WARNING", priority="cmdline")
    if args.progress_every is not None:
        settings.set("NEWSWATCH_PROGRESS_EVERY", args.progress_every, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, source=",".join(args.source) or None, mode=args.mode,
                  urls=args.url or None, every=args.all, db=str(args.db), sources=str(args.sources))
    process.start()
    return 0 if crawler.stats.get_value("newswatch/crawl_id") else 1


def limit_settings(config, source_names: Sequence[str] = ()) -> dict:
    """The sources file's limits as Scrapy settings.

    Scrapy has no global rate: DOWNLOAD_DELAY spaces the requests of one domain (one download
    slot), and AutoThrottle never goes below it. So the ceiling of `requests_per_second` for all
    crawls together becomes a delay of max_crawls × domains / requests_per_second per domain.
    """
    selected = [config.source(n) for n in source_names] or list(config.sources)
    domains = {d for s in selected for d in s.allowed_domains} or {"?"}
    # `newswatch run --max-crawls N` tells its child crawls N through the environment.
    crawls = int(os.environ.get("NEWSWATCH_MAX_CRAWLS") or config.max_crawls)
    delay = crawls * len(domains) / config.requests_per_second
    return {"CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_per_domain,
            "DOWNLOAD_DELAY": delay,
            "AUTOTHROTTLE_START_DELAY": max(delay, 0.25),
            "AUTOTHROTTLE_TARGET_CONCURRENCY": float(min(4, config.concurrent_per_domain))}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("mode", choices=("discover", "recheck"))
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--progress-every", type=float)
    return parser


if __name__ == "__main__":
    sys.exit(main())
