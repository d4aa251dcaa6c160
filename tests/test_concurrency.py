"""Concurrent readers: CLI queries and a Datasette-style read-only connection in a
loop while a crawl writes. No reader sees "database is locked"; none sees a half-written version
(every version it reads has its check row, and its article's version_count covers it)."""
from __future__ import annotations

import sqlite3
import subprocess
import threading
import time

from newswatch.demosite import edit_articles
from tests.conftest import Cli, served_site

READER_SQL = """select v.id, v.version, a.version_count, c.id
                from versions v join articles a on a.id = v.article_id
                left join checks c on c.id = v.check_id"""


def datasette_reader(db, stop: threading.Event, seen: dict) -> None:
    """What Datasette does: a read-only URI connection running the views' queries."""
    deadline = time.monotonic() + 120
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        except sqlite3.OperationalError:
            time.sleep(0.05)
            continue
        try:
            for vid, version, count, check in conn.execute(READER_SQL):
                seen["rows"] += 1
                if check is None or (count or 0) < version:
                    seen["half"].append((vid, version, count, check))
            conn.execute("select count(*) from changes").fetchone()
            conn.execute("select * from most_edited limit 5").fetchall()
            seen["loops"] += 1
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):  # the writer has not migrated yet
                seen["errors"].append(str(exc))
        finally:
            conn.close()
        time.sleep(0.01)


def test_readers_never_see_locks_or_half_written_versions(tmp_path):
    with served_site(tmp_path, 60, seed=5, extra="\n[settings]\nworkers = 2\n") as (server, cli):
        root = server.root
        cli("crawl")  # something to read from the start
        edit_articles(root, count=20, seed=2)
        first_url = sqlite3.connect(cli.db).execute("select url from articles limit 1").fetchone()[0]
        seen = {"rows": 0, "loops": 0, "half": [], "errors": []}
        stop = threading.Event()
        reader = threading.Thread(target=datasette_reader, args=(cli.db, stop, seen))
        reader.start()
        writer = subprocess.Popen(cli_args(cli, "recheck", "--all"), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=cli_env())
        cli_loops, failures = 0, []
        try:
            for _ in range(12):  # bounded; stops early when the writer is done
                for args in (("changes", "--json", "--since", "all"), ("history", first_url),
                             ("search", "the"), ("changes", "--since", "all")):
                    result = cli(*args, check=False, timeout=60)
                    cli_loops += 1
                    if result.returncode != 0 or "locked" in result.stderr.lower():
                        failures.append((args, result.returncode, result.stderr[-300:]))
                if writer.poll() is not None:
                    break
            assert writer.wait(timeout=120) == 0
        finally:
            stop.set()
            reader.join(timeout=30)
            if writer.poll() is None:
                writer.kill()
    assert failures == [] and seen["errors"] == [] and seen["half"] == []
    assert seen["loops"] > 5 and cli_loops >= 4
    print(f"\nconcurrency: {cli_loops} CLI queries and {seen['loops']} read-only reader loops "
          f"({seen['rows']} version rows read) during a writing crawl; 0 locked, 0 half-written")


def cli_env():
    import os
    from tests.conftest import REPO
    return dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")


def cli_args(cli: Cli, *args: str) -> list[str]:
    import sys
    return [sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources", str(cli.sources), *args]
