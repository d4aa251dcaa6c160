"""Re-checking unchanged articles: conditional requests vs a full re-fetch, in one run.

    .venv/bin/python bench/conditional.py [--articles 1000] [--repeat 5]

Generates a demo site, serves it with nginx (bench/run.py's `Nginx`: one port honouring
`If-None-Match` / `If-Modified-Since`, one ignoring them; a Python test server would be the
bottleneck of the 304 path), crawls it once, then re-checks every article twice: (a) newswatch as
it is — validators sent, 304s answered, nothing parsed — (b) the same conditional re-check with
its requests sent through Scrapy instead of the aiohttp probe (`NEWSWATCH_PROBE=0`), and (c) a
full re-fetch — no validators kept, the server ignoring conditionals, every page downloaded and
cleaned. Each re-check runs on
a fresh copy of the crawled database, `--repeat` times, the two alternating so that both see the
same machine (it is shared; absolute times drift); the table gives the medians. Prints the crawl
time and wall time of each `newswatch recheck --all` and the bytes received.
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(REPO / "bench"))

from newswatch.demosite import generate_site  # noqa: E402
from run import Nginx, copy_db  # noqa: E402  (bench/run.py)


@dataclass
class Run:
    wall: float  # the whole command, process start included
    crawl: float  # the crawl itself, as its summary line reports it (worker start-up included)
    engine: float  # the slowest worker's crawl once its imports are done: fetching alone
    received: int  # bytes the crawler received, headers included (Scrapy's downloader stats)
    articles: int
    outcomes: dict


def newswatch(db: Path, sources: Path, *args: str, probe: bool = True) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_PROBE="1" if probe else "0")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "newswatch", "--db", str(db), "--sources",
                           str(sources), *args], check=True, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done.stderr


def measure(db: Path, sources: Path, *, verbose: bool = False, probe: bool = True) -> Run:
    """One `newswatch recheck --all`; as a user runs it, or with -v for Scrapy's byte counts."""
    wall, log = newswatch(db, sources, "recheck", "--all", *(["-v"] if verbose else []), probe=probe)
    # "[recheck K/N] crawl …" per worker (from when its re-check or spider starts, imports
    # done), "[recheck] crawl …" for all, as the CLI saw it
    workers = re.findall(r"\[recheck \d+/\d+\] crawl \d+ finished in ([\d.]+)s", log)
    crawl = float(re.findall(r"\[recheck\] crawl \d+ finished in ([\d.]+)s", log)[-1])
    engine = max(map(float, workers)) if workers else crawl
    received = sum(map(int, re.findall(r"'downloader/response_bytes': (\d+)", log)))
    with sqlite3.connect(db) as conn:
        outcomes = dict(conn.execute("select outcome, count(*) from checks where crawl_id = "
                                     "(select max(id) from crawls) group by outcome").fetchall())
    return Run(wall, crawl, engine, received, sum(outcomes.values()), outcomes)


def fresh_copy(template: Path, target: Path) -> Path:
    for stale in target.parent.glob(target.name + "*"):
        stale.unlink()
    with sqlite3.connect(template) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def median_run(runs: list[Run], received: int) -> Run:
    if any(r.outcomes != runs[0].outcomes for r in runs):
        raise SystemExit(f"the repeated re-checks differ: {[r.outcomes for r in runs]}")
    middle = statistics.median
    return Run(middle(r.wall for r in runs), middle(r.crawl for r in runs),
               middle(r.engine for r in runs), received, runs[0].articles, runs[0].outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="re-checks of each kind (medians)")
    args = parser.parse_args()
    runs: dict[str, list[Run]] = {"conditional": [], "scrapy": [], "full": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_site(tmp / "site", args.articles, seed=1)  # relative links: one site, both ports
        with Nginx(tmp / "site", tmp) as server:
            sources = tmp / "sources.toml"
            # A local server: lift the politeness limits so both runs go as fast as they can
            # (max_crawls = 1: one crawl at a time, none of the rate kept back for a second).
            sources.write_text("[settings]\nrequests_per_second = 10000\nconcurrent_per_domain = 32\n"
                               "max_crawls = 1\n"
                               f'[[source]]\nname = "bench"\nsitemaps = ["{server.url(server.honoured)}"]\n'
                               "article_pattern = '/news/'\n")
            crawled = tmp / "crawled.db"
            newswatch(crawled, sources, "crawl")
            full = tmp / "full.db"
            copy_db(crawled, full, server.honoured, server.ignored)  # the port that ignores validators
            with sqlite3.connect(full) as conn:  # a fetcher that keeps no validators or hashes
                conn.execute("update articles set etag = null, last_modified = null, raw_hash = null")
            # "scrapy": the conditional re-check without the aiohttp probe, all through Scrapy
            templates = {"conditional": crawled, "scrapy": crawled, "full": full}
            # a first, untimed re-check of each kind with -v: the bytes (Scrapy's downloader
            # stats), and a warm start for the timed ones, which run as a user runs them
            received = {kind: measure(fresh_copy(db, tmp / "run.db"), sources, verbose=True,
                                      probe=kind != "scrapy").received
                        for kind, db in templates.items()}
            for _ in range(args.repeat):
                for kind, db in templates.items():
                    runs[kind].append(measure(fresh_copy(db, tmp / "run.db"), sources,
                                              probe=kind != "scrapy"))
    conditional = median_run(runs["conditional"], received["conditional"])
    scrapy = median_run(runs["scrapy"], received["scrapy"])
    refetch = median_run(runs["full"], received["full"])
    print(f"Re-check of {args.articles} unchanged articles, one run, medians of {args.repeat} each "
          f"(`.venv/bin/python bench/conditional.py --articles {args.articles} --repeat {args.repeat}`):\n")
    print("| re-check | checks | outcomes | fetching (slowest worker) | crawl time | command wall time "
          "| bytes received |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, run in (("full re-fetch (no validators kept, every page cleaned)", refetch),
                      ("conditional requests through Scrapy (`NEWSWATCH_PROBE=0`)", scrapy),
                      ("newswatch: conditional requests, aiohttp probe first", conditional)):
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(run.outcomes.items()))
        print(f"| {name} | {run.articles} | {outcomes} | {run.engine:.2f} s | {run.crawl:.2f} s | "
              f"{run.wall:.2f} s | {run.received:,} |")
    print(f"| **ratio** | | | **{refetch.engine / conditional.engine:.1f}×** | "
          f"**{refetch.crawl / conditional.crawl:.1f}×** | "
          f"**{refetch.wall / conditional.wall:.1f}×** | **{refetch.received / conditional.received:,.0f}×** |")
    print(f"| **probe vs Scrapy alone** | | | **{scrapy.engine / conditional.engine:.2f}×** | "
          f"**{scrapy.crawl / conditional.crawl:.2f}×** | **{scrapy.wall / conditional.wall:.2f}×** | "
          f"{scrapy.received / conditional.received:.2f}× |")
    for name, kind in (("full re-fetch", "full"), ("through Scrapy", "scrapy"),
                       ("conditional", "conditional")):
        print(f"\n{name}, each run's wall time: " + ", ".join(f"{r.wall:.2f} s" for r in runs[kind]))


if __name__ == "__main__":
    main()
