"""The real scheduler: `newswatch run` with child crawls at second-scale intervals."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from newswatch.demosite import DemoServer, generate_site
from tests.conftest import REPO, source_block, wait_for, write_sources


def start_run(cli, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                             str(cli.sources), "run", *args], cwd=cli.cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def crawls(db) -> list[dict]:
    return query(db, "select * from crawls order by id")


def query(db, sql: str, params=()) -> list[dict]:
    """Rows as dicts; [] while the daemon has created the file but not yet its tables."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise


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
        assert conn.execute("select count(*) from checks where outcome in "
                            "('unchanged', 'not_modified', 'unchanged_raw')").fetchone()[0] >= 8


def test_run_once_discovers_then_rechecks(site, cli):
    result = cli("run", "--once")
    assert "crawl_finished job=discover:demo exit=0" in result.stdout
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 8




def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_two_sources_cycles_sigterm_and_restart(tmp_path, site, cli):
    """The wiring: two sources, several re-check cycles (each due article once per cycle,
    none twice), SIGTERM in the middle of a crawl leaves a consistent database, and the next
    start continues from it: overdue re-checks are done, recent discoveries are not repeated."""
    _, server = site
    other_info = generate_site(tmp_path / "site2", 6, seed=11)
    with DemoServer(tmp_path / "site2") as other:
        text = "".join(source_block(base, name=name)
                       for name, base in (("demo", server.base_url), ("other", other.base_url)))
        cli.sources.write_text(
            text.replace('article_pattern', 'discover_every = "1h"\narticle_pattern')
            + '[settings]\nrecheck_every = "2s"\nrequests_per_second = 1000\n'
              'tiers = [{younger_than = "3650d", every = "1s"}]\n')
        daemon = start_run(cli, "--log-format", "json")
        try:
            wait_for(lambda: cli.db.exists() and len(query(
                cli.db, "select id from crawls where kind = 'recheck' and status = 'finished' and "
                "started_at > (select max(finished_at) from crawls where kind = 'discover')")) >= 3)
            slow = {a.path for a in other_info.articles}
            other.clear_requests()
            for path in slow:  # slow down: SIGTERM mid-crawl
                other.set_route(path, delay=1.5)
            # A crawl is running and its first slow answers are in: the rest of the six are still
            # on their way (two in flight per worker), so the SIGTERM lands in the middle of it.
            wait_for(lambda: any(r.path in slow for r in other.requests) and query(
                cli.db, "select count(*) as n from checks c join crawls k on k.id = c.crawl_id "
                "where k.status = 'running' and k.kind = 'recheck'")[0]["n"] >= 1)
        finally:
            daemon.send_signal(signal.SIGTERM)
            out, err = daemon.communicate(timeout=60)
        assert daemon.returncode == 0, err
        events = [json.loads(line) for line in out.splitlines()]
        assert {"daemon_started", "crawl_finished", "daemon_stopping", "daemon_stopped"} <= {
            e["event"] for e in events}

        # Consistent after SIGTERM: nothing half-recorded, every article still scheduled.
        rows = crawls(cli.db)
        assert all(c["status"] != "running" and c["finished_at"] for c in rows)
        assert rows[-1]["kind"] == "recheck" and rows[-1]["status"].startswith("stopped")
        assert query(cli.db, "pragma integrity_check")[0]["integrity_check"] == "ok"
        articles = query(cli.db, "select id, source, next_check_at from articles")
        assert len(articles) == 14 and all(a["next_check_at"] for a in articles)
        assert query(cli.db, "select count(*) as n from versions")[0]["n"] == 14

        # Each cycle after discovery: no article twice, and every article that was surely due
        # when the cycle started (its last check 3 s or more before) was checked in it.
        discovered = max(at(c["finished_at"]) for c in rows if c["kind"] == "discover")
        cycles = [c for c in rows if c["kind"] == "recheck" and at(c["started_at"]) > discovered]
        assert len(cycles) >= 4
        checks = query(cli.db, "select article_id, crawl_id, checked_at from checks order by id")
        for cycle in cycles:
            started = at(cycle["started_at"])
            mine = [c["article_id"] for c in checks if c["crawl_id"] == cycle["id"]]
            assert len(mine) == len(set(mine)), f"an article checked twice in crawl {cycle['id']}"
            if cycle["status"] != "finished":
                continue
            last_before = {}
            for c in checks:
                if at(c["checked_at"]) < started:
                    last_before[c["article_id"]] = at(c["checked_at"])
            surely_due = {a for a, t in last_before.items() if t + timedelta(seconds=3) <= started}
            assert surely_due <= set(mine), (cycle, surely_due - set(mine))
        assert {c["article_id"] for cycle in cycles[:2] for c in checks
                if c["crawl_id"] == cycle["id"]} == {a["id"] for a in articles}

        # Restart: the unfinished work continues; discoveries younger than 1h are not repeated.
        other.clear_routes()
        interrupted = rows[-1]["id"]
        daemon = start_run(cli)
        try:
            wait_for(lambda: len(query(cli.db, "select id from crawls where kind = 'recheck' and "
                                       "status = 'finished' and id > ?", [interrupted])) >= 1)
            report = json.loads(cli("status", "--json").stdout)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.communicate(timeout=60)
        assert daemon.returncode == 0
        after = [c for c in crawls(cli.db) if c["id"] > interrupted]
        assert after and all(c["kind"] == "recheck" for c in after)  # coalesced: no discovery
        first = after[0]
        assert first["status"] == "finished" and first["fetched"] == 14  # all were overdue

        assert report["daemon"] == {"running": True, "pid": daemon.pid}
        assert report["next_recheck_at"] and not report["warnings"]
        by_name = {s["source"]: s for s in report["sources"]}
        assert set(by_name) == {"demo", "other"}
        now = at(report["now"])
        for name, count in (("demo", 8), ("other", 6)):
            row = by_name[name]
            assert row["tracked"] == count and row["articles"] == {"live": count}
            assert row["last_discovery"]["status"] == "finished"
            assert row["last_discovery"]["new"] == count
            assert row["checks_24h"] >= 3 * count and row["changes_24h"] == 0
            assert row["error_rate"] == 0
            assert now + timedelta(minutes=50) < at(row["next_discovery_at"]) <= now + timedelta(hours=1)
            assert row["extraction"]["warning"] is None
        stopped = json.loads(cli("status", "--json").stdout)
        assert stopped["daemon"] == {"running": False, "pid": None}
        assert stopped["next_recheck_at"] is None
        assert all(s["next_discovery_at"] is None for s in stopped["sources"])


def test_recheck_takes_the_capped_most_overdue_share(site, cli):
    """The spider applies backlog control: a run takes at most max_checks_per_run due articles,
    the most overdue first, and leaves the rest due for the next run."""
    _, server = site
    write_sources(cli.sources, server.base_url, extra='[settings]\nmax_checks_per_run = 3\n'
                  'tiers = [{younger_than = "3650d", every = "1s"}]')
    cli("crawl")
    wait_for(lambda: len(query(cli.db, "select id from articles where next_check_at <= ?",
                               [datetime.now(timezone.utc).isoformat(timespec="seconds")])) == 8)
    # One worker: the whole cap over the whole list (with N workers each takes its share of the
    # cap among its share of the articles; with 8 articles a share can be smaller than its cap).
    first = json.loads(cli("recheck", "--json", "--workers", "1").stdout)
    assert first["fetched"] == 3
    checked = [r["article_id"] for r in query(cli.db, "select article_id from checks where "
                                              "crawl_id = ?", [first["id"]])]
    assert len(set(checked)) == 3
    second = json.loads(cli("recheck", "--json", "--workers", "1").stdout)
    assert second["fetched"] == 3
    again = {r["article_id"] for r in query(cli.db, "select article_id from checks where "
                                            "crawl_id = ?", [second["id"]])}
    assert not again & set(checked)  # the ones left waiting are now the most overdue


def test_a_crawl_process_stopped_while_python_starts_stops_cleanly(site, cli):
    """A SIGTERM that reaches a crawl process before Python has even loaded it (the daemon
    stopping just as it started a crawl) is kept pending for it by the signal mask it starts
    with: the crawl stops cleanly and says so, instead of dying as 'failed (exit code -15)'."""
    from crawler.child import child_command, start_child

    child = start_child(child_command(cli.db, cli.sources, "discover", progress_every=0))
    child.send_signal(signal.SIGTERM)  # at once: the interpreter is still starting
    assert child.wait(timeout=60) == 0
    rows = crawls(cli.db)
    assert [r["status"] for r in rows] == ["stopped (shutdown)"]
