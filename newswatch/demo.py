"""`newswatch demo`: the whole pipeline on a bundled local news site, in under a minute."""
from __future__ import annotations

import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import click

from db import queries
from db.changes import compare
from db.schema import open_db
from newswatch import render
from newswatch.demosite import DemoServer, churn_chrome, edit_articles, generate_site
from scheduler.crawls import run_crawl_child

DEMO_SOURCE = "demo-daily"


def run_demo(db: Path, *, articles: int, edits: int, echo=print) -> None:
    started = time.monotonic()
    _replace_demo_database(Path(db))
    with tempfile.TemporaryDirectory(prefix="newswatch-demo-") as tmp:
        root = Path(tmp) / "site"
        info = generate_site(root, articles)
        with DemoServer(root) as server:
            sources = _write_sources(Path(tmp) / "sources.toml", server.base_url)
            echo(f"1. demo site with {len(info.articles)} articles at {server.base_url} "
                 f"(feed, news sitemap, section pages)")
            _crawl(db, sources, "discover", echo, "2. first crawl: discover and store every article")
            done = edit_articles(root, count=edits)
            churn_chrome(root)
            echo(f"3. the site edited {len(done)} articles and changed every page's chrome "
                 "(related lists, share counts, timestamps, nonces):")
            for edit in done:
                echo(f"     {edit.kind:8} {edit.path}  {edit.description}")
            _crawl(db, sources, "recheck", echo, "4. re-check every article", every=True)
        url = _show_results(Path(db), echo) or "URL"
    me, db_arg = invoked_as(), shlex.quote(str(db))
    echo(f"\ndemo finished in {time.monotonic() - started:.1f}s. Explore the database:\n"
         f"  {me} --db {db_arg} changes --since 1h\n"
         f"  {me} --db {db_arg} articles\n"
         f"  {me} --db {db_arg} history {url}\n"
         f"  {me} --db {db_arg} diff {url}\n"
         f"  {me} --db {db_arg} serve              (browse it, with diff pages: http://127.0.0.1:8001/)\n"
         f"  {invoked_as('sqlite-utils')} {db_arg} 'select * from changes'")


def invoked_as(program: str = "newswatch") -> str:
    """How to run `program` from here, as a user can paste it: its bare name when that is the
    one on PATH (e.g. after activating the venv), else its path beside the running one
    (`.venv/bin/newswatch` after `make demo`)."""
    here = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] else None
    beside = here / program if here is not None else None
    if beside is None or not beside.exists():
        beside = Path(sys.executable).parent / program
    on_path = shutil.which(program)
    if on_path and (not beside.exists() or Path(on_path).resolve() == beside.resolve()):
        return program
    if not beside.exists():
        return program if program != "newswatch" else f"{shlex.quote(sys.executable)} -m newswatch"
    try:
        shown = beside.relative_to(Path.cwd())
    except ValueError:
        shown = beside
    return shlex.quote(str(shown))


def _replace_demo_database(db: Path) -> None:
    """A fresh file each time, but never at the cost of someone's real history."""
    if not db.exists():
        return
    try:
        sources = {r[0] for r in sqlite3.connect(db).execute("select distinct source from articles")}
    except sqlite3.DatabaseError:
        sources = {"?"}
    if sources - {DEMO_SOURCE}:
        raise click.ClickException(f"{db} holds articles of other sources; the demo will not "
                                   "overwrite it: pass --db demo.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _write_sources(path: Path, base_url: str) -> Path:
    path.write_text(
        f'[[source]]\nname = "{DEMO_SOURCE}"\nfeeds = ["{base_url}/feed.xml"]\n'
        f'sitemaps = ["{base_url}/sitemap.xml"]\nstart_urls = ["{base_url}/index.html"]\n'
        f'allowed_domains = ["127.0.0.1"]\narticle_pattern = \'/news/\'\ndiscover_every = "30m"\n',
        encoding="utf-8")
    return path


def _crawl(db: Path, sources: Path, mode: str, echo, title: str, every: bool = False) -> None:
    echo(title)
    result = run_crawl_child(db, sources, mode, every=every, progress_every=1.0)
    if result.exit_code != 0 or result.crawl is None:
        raise click.ClickException(f"the {mode} crawl failed (exit {result.exit_code})")


def _show_results(db: Path, echo) -> str | None:
    store = open_db(db, readonly=True)
    counts = queries.article_counts(store)
    echo(f"5. database {db}: {counts['articles']} articles, {counts['versions']} versions, "
         f"{counts['checks']} checks; edits found:")
    rows = queries.changes_since(store)
    for row in rows:
        fields = ",".join(f for f in ("title", "byline", "body") if row[f"{f}_changed"])
        echo(f"     v{row['version']} [{fields}] +{row['words_added']}/-{row['words_removed']}  "
             f"{row['title']}")
    if rows:
        # Show a rewrite when there is one: it is the most telling kind of diff.
        shown = next((r for r in rows if r["words_removed"] and r["body_changed"]), rows[0])
        old = queries.get_version(store, shown["url"], shown["version"] - 1)
        new = queries.get_version(store, shown["url"], shown["version"])
        echo(f"6. {invoked_as()} diff {shown['url']}")
        echo(render.diff_text(compare(old, new), render.plain))
        return shown["url"]
    return None
