"""The conditional probe of re-checks (crawler/recheck/probe.py): each article asked
once whatever the answer, Scrapy's politeness kept, the same records as a Scrapy fetch.

Real CLI, real Scrapy crawl, the fixture server on 127.0.0.1, the real SQLite file."""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

from crawler.child import child_command, start_child
from newswatch.demosite import DemoServer, edit_articles, generate_site
from tests.conftest import REPO, Cli, served_site, write_sources

UA = "probe-test/1.0 (+https://example.org/contact)"


def checks(db, crawl_id: int) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["url"]: dict(r) for r in conn.execute("select * from checks where crawl_id = ?",
                                                        [crawl_id])}


def stat(stderr: str, name: str) -> int:
    """A Scrapy stat from the stats dumps of -v, summed over the worker processes."""
    return sum(int(n) for n in re.findall(rf"'{re.escape(name)}': (\d+)", stderr))


def article_hits(server) -> list:
    return [r for r in server.requests if r.path.startswith("/news/")]


def test_a_recheck_asks_each_article_once_whatever_the_answer(tmp_path):
    with served_site(tmp_path, 8, seed=7, extra=f'[settings]\nuser_agent = "{UA}"\n') as (server, cli):
        root = server.root
        cli("crawl")
        paths = sorted({r.path for r in article_hits(server)})
        assert len(paths) == 8
        edited_path, *rest = paths
        edit_articles(root, [edited_path], seed=3)
        gone, moved = rest[:2]
        server.set_route(gone, status=404)
        new_slug = moved.replace(".html", "-new-slug.html")
        server.set_route(new_slug, body=(root / moved.lstrip("/")).read_bytes())
        server.set_route(moved, redirect=server.url(new_slug))
        server.clear_requests()
        result = cli("recheck", "--all", "--json", "-v")
        hits = Counter(r.path for r in article_hits(server))
        requests = article_hits(server)
    unchanged = [p for p in rest if p not in (gone, moved)]
    # one request per article, even for answers Scrapy takes over (200, 404, redirect)
    assert all(hits[p] == 1 for p in unchanged + [edited_path, gone, moved]), hits
    assert hits[new_slug] == 1  # the redirect followed once, by Scrapy
    assert all(r.headers.get("User-Agent") == UA for r in requests)
    assert all(r.status == 304 for r in requests if r.path in unchanged)
    rows = checks(cli.db, 2)
    by_path = {url.removeprefix(server.base_url): row for url, row in rows.items()}
    assert {by_path[p]["outcome"] for p in unchanged} == {"not_modified"}
    assert by_path[edited_path]["outcome"] == "changed"
    assert by_path[gone]["http_status"] == 404 and by_path[gone]["version_id"] is None
    # answered by the probe: the 304s and the 200, 404 and redirect it handed over to Scrapy
    assert stat(result.stderr, "newswatch/probed") == 8  # summed over the worker processes
    assert stat(result.stderr, "newswatch/cleaned") == 1  # the edited article, and only it


def test_a_failing_host_is_left_to_scrapy_and_its_retries(tmp_path):
    with served_site(tmp_path, 8, seed=7) as (server, cli):
        cli("crawl")
        paths = sorted({r.path for r in article_hits(server)})
        failing = paths[3]
        server.set_route(failing, status=500)
        server.clear_requests()
        cli("recheck", "--all")
        hits = Counter(r.path for r in article_hits(server))
    # the probe's 500 goes to Scrapy as its answer: RETRY_TIMES = 2 retries, not a 4th request
    assert hits[failing] == 3
    assert all(hits[p] == 1 for p in paths if p != failing), hits
    rows = {url.removeprefix(server.base_url): row for url, row in checks(cli.db, 2).items()}
    assert rows[failing]["outcome"] == "error" and rows[failing]["version_id"] is None
    assert {rows[p]["outcome"] for p in paths if p != failing} == {"not_modified"}


def test_the_probe_keeps_to_the_per_host_concurrency_and_rate(tmp_path):
    # 2 in flight per host; 20 requests/s shared by max_crawls = 1: 0.05 s between starts
    limits = ("[settings]\nconcurrent_per_domain = 2\nrequests_per_second = 20\nmax_crawls = 1\n"
              "workers = 1\n")
    with served_site(tmp_path, 12, seed=5, extra=limits) as (server, cli):
        cli("crawl")
        paths = sorted({r.path for r in article_hits(server)})
        for path in paths:
            server.set_route(path, delay=0.3)  # slow answers: the concurrency shows
        server.clear_requests()
        result = cli("recheck", "--all", "-v")
        requests = sorted(article_hits(server), key=lambda r: r.arrived)
    assert len(requests) == 12 and all(r.status == 304 for r in requests)
    assert stat(result.stderr, "newswatch/probed") == 12  # the probe's requests, not Scrapy's
    most = max(sum(1 for o in requests if o.arrived <= r.arrived < o.answered) for r in requests)
    assert most <= 2
    # Two answers end together, then DOWNLOAD_DELAY (0.05 s) spaces the next two starts; without it
    # half the gaps would be ~0. Arrival times are the server's: a loaded machine can hand it two
    # spaced requests back to back, so a stray short gap is the clock, not the probe.
    gaps = [b.arrived - a.arrived for a, b in zip(requests, requests[1:])]
    assert sum(gap < 0.025 for gap in gaps) <= 2, gaps


def test_a_dead_server_reads_as_one_line_per_problem_and_writes_no_version(tmp_path):
    root = tmp_path / "site"
    server = DemoServer(root).start()
    generate_site(root, 4, seed=2, base_path=server.base_url)
    cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
    cli("crawl")
    server.stop()  # the whole site is down: robots.txt, the probe and Scrapy all get refused
    result = cli("recheck", "--all")
    assert "Traceback" not in result.stderr
    rows = checks(cli.db, 2)
    assert len(rows) == 4
    assert {r["outcome"] for r in rows.values()} == {"error"}
    assert all(r["version_id"] is None for r in rows.values()), rows
    assert {r["error"] for r in rows.values()} == {"connection refused"}


def crawl_rows(db) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from crawls order by id")]


def recheck_process(cli, *args: str) -> subprocess.CompletedProcess:
    """One re-check crawl process (`python -m crawler.run`, what the CLI starts), with -X importtime."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "crawler.run", "--db", str(cli.db),
                           "--sources", str(cli.sources), "recheck", "--all", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_a_recheck_whose_articles_all_answer_304_never_loads_scrapy(tmp_path):
    with served_site(tmp_path, 6, seed=11) as (server, cli):
        cli("crawl")
        server.clear_requests()
        done = recheck_process(cli)
        hits = article_hits(server)
    assert done.returncode == 0, done.stderr
    assert len(hits) == 6 and all(r.status == 304 for r in hits)
    modules = imported(done.stderr)
    assert "aiohttp" in modules and "scrapy" not in modules and "twisted" not in modules
    rows = checks(cli.db, 2)
    assert {r["outcome"] for r in rows.values()} == {"not_modified"} and len(rows) == 6
    [_, crawl] = crawl_rows(cli.db)
    assert (crawl["status"], crawl["fetched"], crawl["unchanged"], crawl["failed"]) == ("finished", 6, 6, 0)
    assert crawl["finished_at"] is not None
    assert re.search(r"\[recheck\] crawl 2 finished in [\d.]+s: fetched 6 · new 0 · changed 0 · "
                     r"unchanged 6 · failed 0", done.stderr)


def test_what_the_probe_leaves_goes_to_scrapy_in_the_same_crawl_row(tmp_path):
    for workers in (1, 2):  # a crawl row of its own, and a sharded crawl's row
        with served_site(tmp_path / str(workers), 8, seed=7, extra=f"[settings]\nworkers = {workers}\n") \
                as (server, cli):
            cli("crawl")
            paths = sorted({r.path for r in article_hits(server)})
            edit_articles(server.root, paths[:2], kind="append")
            server.set_route(paths[2], status=404)
            result = cli("recheck", "--all", "--json")
        crawl = json.loads(result.stdout)
        assert (crawl["fetched"], crawl["changed"], crawl["unchanged"], crawl["failed"]) == (8, 2, 5, 1)
        rows = crawl_rows(cli.db)
        assert len(rows) == 2 and rows[1]["status"] == "finished" and rows[1]["finished_at"]
        outcomes = Counter(r["outcome"] for r in checks(cli.db, 2).values())
        assert outcomes == {"not_modified": 5, "changed": 2, "missing": 1}
        # one summary line per worker process, not one for the probe and one for Scrapy
        assert len(re.findall(r"crawl 2 finished in", result.stderr)) == workers + (workers > 1)


def test_a_stop_during_the_probe_keeps_what_was_recorded(tmp_path):
    limits = "[settings]\nconcurrent_per_domain = 1\nworkers = 1\n"
    with served_site(tmp_path, 10, seed=5, extra=limits) as (server, cli):
        cli("crawl")
        versions = one(cli.db, "select count(*) from versions")
        for path in sorted({r.path for r in article_hits(server)}):
            server.set_route(path, delay=0.4)  # one at a time: the probe takes ~4 s
        server.clear_requests()
        child = start_child(child_command(cli.db, cli.sources, "recheck", every=True),
                            stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(article_hits(server)) < 3 and time.monotonic() < deadline:  # two answered, mid-probe
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    [_, crawl] = crawl_rows(cli.db)
    assert crawl["status"] == "stopped (shutdown)" and crawl["finished_at"]
    rows = checks(cli.db, 2)
    assert 0 < len(rows) < 10 and {r["outcome"] for r in rows.values()} == {"not_modified"}
    assert crawl["fetched"] == len(rows)
    assert one(cli.db, "select count(*) from versions") == versions
    assert "Traceback" not in stderr


def one(db, sql: str):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]
