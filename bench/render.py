"""Browser rendering's cost: the same article pages crawled with a plain fetch and rendered by
chromium (time and peak memory per page), and the share of a mixed site's pages `auto` rendered.

    .venv/bin/python bench/render.py [--articles 20] [--shells 10] [--seed 1]

A generated demo site on 127.0.0.1 (ordinary server-rendered articles), plus `--shells` pages
whose article a script builds after load from a JSON API. Each crawl is one `newswatch crawl
--workers 1` in a fresh database; memory is the peak of the crawl's process tree (the crawl
process, Playwright's driver and chromium's processes; proportional set size, so shared pages count
once), sampled every 20 ms from /proc.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newswatch.demosite import DemoServer, generate_site  # noqa: E402

APP_JS = """const root = document.getElementById('root');
fetch(root.dataset.src).then(r => r.json()).then(story => {
  root.innerHTML = '<article><h1>' + story.title + '</h1><p class="byline">By ' + story.author +
    '</p>' + story.paragraphs.map(p => '<p>' + p + '</p>').join('') + '</article>';
});"""


def shell_page(n: int) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>Story {n}</title>'
            f'<script src="/static/app.js" defer></script></head><body>'
            f'<div id="root" data-src="/api/{n}.json"></div></body></html>')


def build_site(root: Path, articles: int, shells: int, seed: int, base: str) -> tuple[list[str], list[str]]:
    """The demo site's articles, and `shells` script-built pages (their text from more demo articles)."""
    info = generate_site(root, articles, seed=seed, base_path=base)
    stories = generate_site(root / "_stories", shells, seed=seed + 1).articles
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / "app.js").write_text(APP_JS)
    (root / "api").mkdir(exist_ok=True)
    (root / "news" / "app").mkdir(parents=True, exist_ok=True)
    for n, story in enumerate(stories):
        (root / "api" / f"{n}.json").write_text(json.dumps(
            {"title": story.title, "author": story.author, "paragraphs": list(story.paragraphs)}))
        (root / "news" / "app" / f"story-{n}.html").write_text(shell_page(n))
    return [a.path for a in info.articles], [f"/news/app/story-{n}.html" for n in range(shells)]


def write_feed(path: Path, base: str, pages: list[str]) -> None:
    items = "".join(f"<item><title>{p}</title><link>{base}{p}</link></item>" for p in pages)
    path.write_text(f'<rss version="2.0"><channel><title>bench</title>{items}</channel></rss>')


def tree_pss(pid: int) -> int:
    """Bytes of memory `pid` and all its descendants use now: their proportional set sizes
    (shared pages counted once in all, not once per chromium process as RSS would)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def crawl(work: Path, name: str, feed_url: str, render: str, extra: str = "") -> dict:
    """One `newswatch crawl` of the feed; wall time, peak memory and what was stored."""
    folder = work / name
    folder.mkdir()
    sources = folder / "sources.toml"
    sources.write_text(f'[settings]\nrequests_per_second = 1000\n\n[[source]]\nname = "bench"\n'
                       f'feeds = ["{feed_url}"]\nallowed_domains = ["127.0.0.1"]\n'
                       f"article_pattern = '/news/'\nrender = \"{render}\"\n{extra}\n")
    db = folder / "n.db"
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(db), "--sources", str(sources),
                              "crawl", "--workers", "1"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_pss(child.pid))
        time.sleep(0.02)
    seconds = time.monotonic() - started
    _, stderr = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"{name}: crawl exited {child.returncode}:\n{stderr}")
    rendered = next((int(line.split()[1]) for line in stderr.splitlines()
                     if line.startswith("[render]")), 0)
    with sqlite3.connect(db) as conn:
        versions = conn.execute("select count(*) from versions").fetchone()[0]
    return {"name": name, "seconds": seconds, "peak_mb": peak / 2**20, "versions": versions,
            "rendered": rendered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--shells", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work, root = Path(tmp), Path(tmp) / "site"
        root.mkdir()
        with DemoServer(root) as server:
            plain, shells = build_site(root, args.articles, args.shells, args.seed, server.base_url)
            write_feed(root / "plain.xml", server.base_url, plain)
            mixed = [p for pair in zip(plain, shells) for p in pair] + plain[len(shells):] + shells[len(plain):]
            write_feed(root / "mixed.xml", server.base_url, mixed)
            runs = [crawl(work, "plain fetch", f"{server.base_url}/plain.xml", "never"),
                    crawl(work, "rendered fetch", f"{server.base_url}/plain.xml", "always"),
                    crawl(work, "rendered, no screenshots", f"{server.base_url}/plain.xml", "always",
                          "screenshots = false"),
                    crawl(work, "mixed site, auto", f"{server.base_url}/mixed.xml", "auto")]
    print(f"{args.articles} server-rendered articles, {args.shells} script-built pages; "
          f"chromium {subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.split()[1]}")
    print("| crawl | pages | versions | rendered | wall s | s/page | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for run, pages in zip(runs, (len(plain), len(plain), len(plain), len(mixed))):
        print(f"| {run['name']} | {pages} | {run['versions']} | {run['rendered']} | {run['seconds']:.2f} | "
              f"{run['seconds'] / pages:.3f} | {run['peak_mb']:.0f} |")
    share = runs[3]["rendered"] / len(mixed)
    print(f"auto rendered {runs[3]['rendered']} of {len(mixed)} pages of the mixed site ({share:.0%}); "
          f"{args.shells} of them need it")


if __name__ == "__main__":
    main()
