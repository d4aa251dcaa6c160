"""Re-checking unchanged articles: conditional requests vs a full re-fetch, in one run (issue #4).

    .venv/bin/python bench/conditional.py [--articles 1000]

Generates a demo site, crawls it once, then re-checks every article twice against the same
server: (a) newswatch as it is — validators sent, 304s answered, nothing parsed — and (b) a full
re-fetch — no validators kept, the server ignoring conditionals, every page downloaded and
cleaned. Prints wall time of each `newswatch recheck --all` and the bytes the server sent.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newswatch.demosite import DemoServer, generate_site  # noqa: E402


def newswatch(db: Path, sources: Path, *args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newswatch", "--db", str(db), "--sources", str(sources),
                    *args], check=True, env=env, capture_output=True)
    return time.perf_counter() - started


def measure(server: DemoServer, db: Path, sources: Path) -> tuple[float, int, int]:
    server.clear_requests()
    seconds = newswatch(db, sources, "recheck", "--all")
    hits = [r for r in server.requests if r.path.startswith("/news/")]
    return seconds, sum(r.bytes_sent for r in hits), len(hits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with DemoServer(tmp / "site") as server:
            generate_site(tmp / "site", args.articles, seed=1, base_path=server.base_url)
            sources = tmp / "sources.toml"
            sources.write_text(f'[[source]]\nname = "bench"\nsitemaps = ["{server.base_url}/sitemap.xml"]\n'
                               "article_pattern = '/news/'\n")
            db = tmp / "conditional.db"
            newswatch(db, sources, "crawl")
            full = tmp / "full.db"
            shutil.copy(db, full)
            with sqlite3.connect(full) as conn:  # a fetcher that keeps no validators or hashes
                conn.execute("update articles set etag = null, last_modified = null, raw_hash = null")
            conditional = measure(server, db, sources)
            server.validators = False
            refetch = measure(server, full, sources)
    print(f"Re-check of {args.articles} unchanged articles (`{' '.join(sys.argv)}`):\n")
    print("| re-check | articles | wall time | bytes sent by the server |")
    print("|---|---:|---:|---:|")
    for name, (seconds, sent, hits) in (("full re-fetch (no validators, every page cleaned)", refetch),
                                        ("newswatch: conditional requests (304)", conditional)):
        print(f"| {name} | {hits} | {seconds:.2f} s | {sent:,} |")
    print(f"| **ratio** | | **{refetch[0] / conditional[0]:.1f}× less time** | "
          f"**{refetch[1] / max(conditional[1], 1):,.0f}× fewer bytes** |")


if __name__ == "__main__":
    main()
