"""Distributed crawling: pages per second end to end with 1 and 2 workers, and ingest alone.

    .venv/bin/python bench/distributed.py [--articles 1000] [--workers 1,2]

Generates a demo site, serves it on 127.0.0.1, starts its own redis-server on a free port and,
per row, a fresh database: `newswatch ingest` + N `newswatch worker`s, then `newswatch run --once
--redis` pushes one discovery cycle; the clock runs from that push until every article is in
SQLite. The last row fills Redis with results (workers, no ingest) and times `ingest` alone.
Politeness limits are lifted in the generated sources file (requests_per_second = 10000,
concurrent_per_domain = 32). Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from crawler.sources import load_config  # noqa: E402
from newswatch.demosite import DemoServer, generate_site  # noqa: E402
from scheduler.coordinator import Coordinator  # noqa: E402
from scheduler.ingest import Ingest  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="newswatch-distributed-"))
    generate_site(tmp / "site", args.articles, seed=3)
    port = _free_port()
    server_proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir",
                                    str(tmp), "--save", "", "--appendonly", "no"],
                                   stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    rows = []
    try:
        client = _wait_for_redis(url)
        with DemoServer(tmp / "site") as site:
            sources = tmp / "sources.toml"
            sources.write_text(
                "[settings]\nrequests_per_second = 10000\nconcurrent_per_domain = 32\n\n"
                f'[[source]]\nname = "bench"\nfeeds = ["{site.base_url}/feed.xml"]\n'
                f'sitemaps = ["{site.base_url}/sitemap.xml"]\nstart_urls = ["{site.base_url}/index.html"]\n'
                "allowed_domains = [\"127.0.0.1\"]\narticle_pattern = '/news/'\n", encoding="utf-8")
            for workers in [int(n) for n in args.workers.split(",")]:
                seconds = end_to_end(tmp, sources, url, client, workers, args.articles)
                rows.append((f"coordinator + {workers} worker{'s' if workers > 1 else ''} + ingest, "
                             "end to end", args.articles, seconds, "pages/s"))
            seconds = ingest_alone(tmp, sources, url, client, args.articles)
            rows.append(("`ingest` alone (results already in Redis, batches of 200)", args.articles,
                         seconds, "versions/s"))
    finally:
        server_proc.terminate()
        server_proc.wait(10)
    print(f"| run ({args.articles} articles, {os.cpu_count()} cores) | items | seconds | rate |")
    print("|---|---:|---:|---:|")
    for what, items, seconds, unit in rows:
        print(f"| {what} | {items:,} | {seconds:.1f} | {items / seconds:,.0f} {unit} |")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def end_to_end(tmp: Path, sources: Path, url: str, client, workers: int, articles: int) -> float:
    db = _fresh(tmp, client, f"e2e-{workers}.db")
    procs = [_start(db, sources, url, "ingest")]
    procs += [_start(db, sources, url, "worker") for _ in range(workers)]
    try:
        _wait(lambda: len(client.keys("newswatch:worker:*")) == workers and db.exists(), 60)
        time.sleep(1)  # ingest has migrated the new database
        coordinator = Coordinator(db, sources, load_config(sources), redis_url=url)
        started = time.monotonic()
        coordinator.push_discovery("bench", datetime.now(timezone.utc))  # what `run` does
        _wait(lambda: _count(db, "select count(*) from versions") >= articles, 600)
        return time.monotonic() - started
    finally:
        _stop(procs)


def ingest_alone(tmp: Path, sources: Path, url: str, client, articles: int) -> float:
    db = _fresh(tmp, client, "ingest.db")
    procs = [_start(db, sources, url, "worker") for _ in range(2)]
    try:
        _cli(db, sources, url, "run", "--once")
        _wait(lambda: sum(1 for r in client.lrange("newswatch:results", 0, -1)
                          if json.loads(r)["type"] == "fetch") >= articles, 600)
    finally:
        _stop(procs)
    started = time.monotonic()
    totals = Ingest(db, load_config(sources), url, echo=lambda *_: None).run(until_idle=True)
    seconds = time.monotonic() - started
    assert totals["new"] == articles, totals
    return seconds


def _fresh(tmp: Path, client, name: str) -> Path:
    client.flushall()
    db = tmp / name
    for path in (db, db.with_name(name + "-wal"), db.with_name(name + "-shm")):
        path.unlink(missing_ok=True)
    return db


def _start(db: Path, sources: Path, url: str, command: str) -> subprocess.Popen:
    return subprocess.Popen(_command(db, sources, url, command), env=_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cli(db: Path, sources: Path, url: str, *args: str) -> None:
    subprocess.run(_command(db, sources, url, *args), env=_env(), check=True, capture_output=True)


def _command(db: Path, sources: Path, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "newswatch", "--db", str(db), "--sources", str(sources), *args,
            "--redis", url]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark step did not finish in time")
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_redis(url: str):
    client = redis.Redis.from_url(url)
    _wait(lambda: _pings(client), 10)
    return client


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


if __name__ == "__main__":
    sys.exit(main())
