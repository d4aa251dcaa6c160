"""The real scheduler: `newswatch run` with child crawls at second-scale intervals."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime

from tests.conftest import REPO, write_sources


def start_run(cli) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                             str(cli.sources), "run"], cwd=cli.cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def crawls(db) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from crawls order by id")]


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_run_does_cycles_without_overlap_and_stops_cleanly(tmp_path, site, cli):
    _, server = site
    write_sources(cli.sources, server.base_url, extra='discover_every = "2s"\n[settings]\n'
                  'recheck_every = "2s"\ntiers = [{younger_than = "3650d", every = "1s"}]')
    daemon = start_run(cli)
    try:
        wait_for(lambda: cli.db.exists() and sum(
            1 for c in crawls(cli.db) if c["kind"] == "discover" and c["finished_at"]) >= 2)
        wait_for(lambda: sum(1 for c in crawls(cli.db) if c["kind"] == "recheck"
                             and c["finished_at"]) >= 2)
        second = start_run(cli)  # a second daemon on the same database must refuse
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2 and f"pid {daemon.pid}" in err and "already running" in err
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    rows = crawls(cli.db)
    for kind in ("discover", "recheck"):
        runs = [(datetime.fromisoformat(c["started_at"]), datetime.fromisoformat(c["finished_at"]))
                for c in rows if c["kind"] == kind and c["finished_at"]]
        assert len(runs) >= 2
        assert all(prev_end <= start for (_, prev_end), (start, _) in zip(runs, runs[1:])), runs
    assert all(c["status"] != "running" for c in rows)  # SIGTERM left no crawl half-recorded
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(*) from versions").fetchone()[0] == 8
        assert conn.execute("select count(*) from checks where outcome = 'unchanged'").fetchone()[0] >= 8


def test_run_once_discovers_then_rechecks(site, cli):
    result = cli("run", "--once")
    assert "discover demo: exit 0" in result.stdout
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 8
