"""WARC bytes per version: a generated demo site crawled with `archive = "warc"`, some articles
edited and re-checked, then the archive/ folder's size divided by the versions it captures.

    .venv/bin/python bench/archive.py [--articles 50] [--edits 10] [--seed 1]

Also prints the raw page bytes per version (the payloads) and, for comparison, what `keep_html`
costs per version in SQLite (zlib of the same pages).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newswatch.demosite import DemoServer, edit_articles, generate_site  # noqa: E402


def newswatch(db: Path, sources: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
    subprocess.run([sys.executable, "-m", "newswatch", "--db", str(db), "--sources", str(sources),
                    *args], check=True, capture_output=True, env=env)


def measure(work: Path, articles: int, edits: int, seed: int) -> dict:
    root = work / "site"
    with DemoServer(root) as server:
        generate_site(root, articles, seed=seed, base_path=server.base_url)
        sources = work / "sources.toml"
        sources.write_text(f'[settings]\narchive = "warc"\n\n[[source]]\nname = "demo"\n'
                           f'feeds = ["{server.base_url}/feed.xml"]\n'
                           f'sitemaps = ["{server.base_url}/sitemap.xml"]\n'
                           'allowed_domains = ["127.0.0.1"]\n'
                           "article_pattern = '/news/'\n")
        db = work / "newswatch.db"
        newswatch(db, sources, "crawl")
        edit_articles(root, count=edits, seed=seed + 1)
        newswatch(db, sources, "recheck", "--all")
    from crawler.archive import Capture, read_records, read_response

    with sqlite3.connect(db) as conn:
        rows = conn.execute("select warc_file, warc_offset, warc_length from versions "
                            "where warc_file is not null").fetchall()
    folder = work / "archive"
    pages = [read_response(folder, Capture(*row))["payload"] for row in rows]
    warc = sum(p.stat().st_size for p in folder.glob("*.warc.gz"))
    assert warc == sum(len(read_records(folder, Capture(*row))) for row in rows)
    return {"versions": len(rows), "warc_bytes": warc, "page_bytes": sum(map(len, pages)),
            "zlib_bytes": sum(len(zlib.compress(p)) for p in pages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        got = measure(Path(work), args.articles, args.edits, args.seed)
    n = got["versions"]
    print(f"{n} versions captured ({args.articles} articles, {args.edits} edited)")
    print(f"WARC bytes per version:            {got['warc_bytes'] / n:8.0f}  "
          f"(request + response records, gzipped)")
    print(f"raw page bytes per version:        {got['page_bytes'] / n:8.0f}")
    print(f"keep_html (zlib) bytes per version: {got['zlib_bytes'] / n:7.0f}")


if __name__ == "__main__":
    main()
