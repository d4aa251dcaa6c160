"""Crash safety: kill -9 the crawl, and `newswatch run`, at random moments.

Each kill is a SIGKILL to a process group this test created (start_new_session=True), so the
CLI and the crawl children it started die together, as on a power cut. After every kill the
database must pass tests.invariants.check_database (integrity_check, whole and contiguous
versions whose hash matches their text, article counters consistent); at the end, one more
run must finish the work: every article stored, none twice.

CI runs KILL_TRIALS kills on a small site; NEWSWATCH_LONG_TESTS=1 runs LONG_KILL_TRIALS.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.child import child_command, start_child
from newswatch.demosite import DemoServer, edit_articles, generate_site
from tests.conftest import REPO, wait_for, write_sources
from tests.invariants import check_database

LONG = os.environ.get("NEWSWATCH_LONG_TESTS") == "1"
# Kills of a child that does nothing but write fetches (a Python start-up of 0.3 s, so many
# trials are cheap), of the real Scrapy crawl child (3 s of start-up each) and of `run`.
WRITER_KILL_TRIALS = 300 if LONG else 50
KILL_TRIALS = int(os.environ.get("NEWSWATCH_KILL_TRIALS") or (200 if LONG else 50))
RUN_KILL_TRIALS = 15 if LONG else 3
ARTICLES = 40


def start(db, sources, *args: str) -> subprocess.Popen:
    """The CLI in a new session (its own process group), output discarded."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
    return subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(db), "--sources",
                             str(sources), *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def start_crawl_child(db, sources, mode: str) -> subprocess.Popen:
    """The crawl child itself (`python -m crawler.run`, what the CLI and `run` start), in a new
    session: one Python start-up less per trial than the CLI."""
    command = child_command(db, sources, mode, every=mode == "recheck", progress_every=0)
    return start_child(command, start_new_session=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def kill_group(child: subprocess.Popen) -> None:
    """SIGKILL the group this test created for `child` (and nothing else), then reap it."""
    try:
        os.killpg(child.pid, signal.SIGKILL)  # pgid == child's pid: start_new_session=True
    except ProcessLookupError:
        pass
    child.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the group's grandchildren are gone too
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process group {child.pid} survived SIGKILL")


def run_to_end(db, sources, *args: str) -> None:
    child = start(db, sources, *args)
    try:
        assert child.wait(timeout=180) == 0
    finally:
        if child.poll() is None:
            kill_group(child)


@pytest.fixture
def small_site(tmp_path):
    root = tmp_path / "site"
    with DemoServer(root) as server:
        generate_site(root, ARTICLES, seed=11, base_path=server.base_url)
        sources = write_sources(tmp_path / "sources.toml", server.base_url,
                                extra='\n[settings]\nworkers = 1\nrequests_per_second = 1000\n')
        yield root, server, sources


def test_kill_9_inside_write_transactions(tmp_path):
    db = tmp_path / "w.db"
    rng = random.Random(int(os.environ.get("NEWSWATCH_SEED", "10")))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started, total = time.monotonic(), {"articles": 0, "versions": 0}
    for trial in range(WRITER_KILL_TRIALS):
        child = subprocess.Popen([sys.executable, "-m", "tests.crash_writer", str(db), "12", str(trial)],
                                 env=env, start_new_session=True, stdout=subprocess.PIPE, text=True)
        # Once its database is open it says so, and from then on it only writes: a kill at a
        # random moment after that lands among the writes, however slow the start-up was.
        assert child.stdout.readline() == "writing\n"
        time.sleep(rng.uniform(0, 0.5))
        assert child.poll() is None  # killed while it writes, not after
        kill_group(child)
        child.stdout.close()
        total = check_database(db)
    print(f"\ncrash (store): {WRITER_KILL_TRIALS} kill -9 trials inside writes in "
          f"{time.monotonic() - started:.0f}s; {total['articles']} articles, {total['versions']} "
          "versions, all whole; 0 lost, 0 false")
    assert total["versions"] > total["articles"] > 0


def write_window(tmp_path, sources) -> tuple[float, float]:
    """Seconds from start until a crawl's first check row, and until it exits (one real crawl
    on a scratch database), so that the kills land while it writes, not while Python starts."""
    scratch = tmp_path / "scratch.db"
    started = time.monotonic()
    child = start_crawl_child(scratch, sources, "discover")
    first = None
    while first is None and time.monotonic() - started < 120:
        running = child.poll() is None  # read before the rows: a crawl may end right after writing
        if _checks(scratch):
            first = time.monotonic() - started
        elif not running:
            break
        time.sleep(0.02)
    child.wait(timeout=60)
    assert child.returncode == 0 and first is not None
    return first, time.monotonic() - started


def _checks(db) -> int:
    """Check rows committed so far (0 before the database exists or is migrated)."""
    return _rows(db, "checks")


def _rows(db, table: str) -> int:
    """Rows of `table` committed so far (0 before the database exists or is migrated)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute(f"select count(*) from {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


# The re-checks of the test below are paced (a request every 0.05 s: max_crawls / requests_per_second),
# so that a re-check of every article writes its checks in batches over about 2 s: a kill once its
# first batch is committed lands while the others are still to be written, whatever the load.
PACED = "\n[settings]\nworkers = 1\nrequests_per_second = 40\n"


def test_kill_9_during_crawls_and_rechecks_loses_and_invents_nothing(tmp_path, small_site):
    root, server, sources = small_site
    paced = write_sources(tmp_path / "paced.toml", server.base_url, extra=PACED)
    db = tmp_path / "n.db"
    rng = random.Random(int(os.environ.get("NEWSWATCH_SEED", "10")))
    first_write, end = write_window(tmp_path, sources)
    killed_mid_write = 0  # re-checks killed with some of their checks written and some not
    started = time.monotonic()
    # The site is stored first (kills of a first crawl: the test below), so that every re-check
    # trial has articles to write and the edits land on stored ones.
    run_to_end(db, sources, "crawl")
    for trial in range(KILL_TRIALS):
        # Discovery every fifth trial, re-checks of every article otherwise; edits between trials
        # give the re-checks versions to write.
        if trial % 2 == 1:
            edit_articles(root, count=4, seed=trial)
        checks_before = _checks(db)
        discover = trial % 5 == 0  # discovery writes little once the site is known: mostly re-checks
        child = start_crawl_child(db, *((sources, "discover") if discover else (paced, "recheck")))
        if not discover:
            # A re-check of every article writes a check each: kill it once its first batch
            # is committed, while the others are being written.
            deadline = time.monotonic() + 3 * end
            while child.poll() is None and _checks(db) == checks_before and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.15))
        else:
            # Discovery of a site we know writes little after the first: aim at the first
            # crawl's writes (the crawl row, discovery's checks), where later ones write too.
            time.sleep(rng.uniform(first_write * 0.9, min(end, first_write + 0.5)))
        kill_group(child)
        written = _checks(db) - checks_before
        killed_mid_write += not discover and 0 < written < ARTICLES
        if db.exists():
            check_database(db)
    # The case this test is for: a crawl cut between its first and its last write.
    assert killed_mid_write > 0, f"no kill of {KILL_TRIALS} landed while a re-check was writing"
    run_to_end(db, sources, "crawl")
    run_to_end(db, sources, "recheck", "--all")
    counts = check_database(db)
    with sqlite3.connect(db) as conn:
        stored = {u for u, in conn.execute("select url from articles where version_count >= 1")}
        checks = conn.execute("select count(*) from checks").fetchone()[0]
    on_site = {server.base_url + p for p in _article_paths(root)}
    assert on_site <= stored, sorted(on_site - stored)[:5]
    assert counts["versions"] > counts["articles"]  # the edits became versions
    print(f"\ncrash: {KILL_TRIALS} kill -9 trials ({killed_mid_write} re-checks killed mid-write; "
          f"writes from {first_write:.1f}s to {end:.1f}s) in {time.monotonic() - started:.0f}s; "
          f"{counts['articles']} articles, {counts['versions']} versions, {checks} checks; "
          "0 lost, 0 false")


def test_a_first_crawl_killed_then_rerun_stores_each_article_exactly_once(tmp_path, small_site):
    _, server, _ = small_site
    sources = write_sources(tmp_path / "paced.toml", server.base_url, extra=PACED)
    db = tmp_path / "n.db"
    child = start(db, sources, "crawl")
    # Killed once its first batch is committed: paced, the crawl has most articles still to write.
    wait_for(lambda: _checks(db) > 0 or child.poll() is not None, timeout=120)
    kill_group(child)
    assert 0 < check_database(db)["articles"] < ARTICLES  # the kill landed mid-crawl
    run_to_end(db, sources, "crawl")
    counts = check_database(db)
    assert counts == {"articles": ARTICLES, "versions": ARTICLES}


def test_kill_9_of_newswatch_run_mid_cycle(tmp_path, small_site):
    root, server, sources = small_site
    db = tmp_path / "n.db"
    rng = random.Random(3)
    for trial in range(RUN_KILL_TRIALS):
        edit_articles(root, count=2, seed=100 + trial)
        crawls_before = _rows(db, "crawls")
        child = start(db, sources, "run", "--once")
        # Mid-cycle: once its first crawl has begun, however long the start-up took.
        wait_for(lambda: _rows(db, "crawls") > crawls_before or child.poll() is not None, timeout=120)
        time.sleep(rng.uniform(0, 1.5))
        kill_group(child)
        check_database(db)
    run_to_end(db, sources, "run", "--once")  # the lock of a killed daemon does not block this
    check_database(db)
    with sqlite3.connect(db) as conn:
        stored = {u for u, in conn.execute("select url from articles where version_count >= 1")}
    assert {server.base_url + p for p in _article_paths(root)} <= stored


def _article_paths(root) -> list[str]:
    import json
    state = json.loads((root / "site.json").read_text())
    return [a["path"] for a in state["articles"]]
