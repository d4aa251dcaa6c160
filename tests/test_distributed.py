"""Distributed crawling with a real redis-server: coordinator, workers, ingest as processes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newswatch.demosite import DemoServer, edit_articles, generate_site
from tests.conftest import REPO, start_on_free_port, wait_for, write_sources
from tests.test_notify import Receiver

redis = pytest.importorskip("redis")
pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server not installed (make system-deps)")

RESULTS, PROCESSING, WORK, REQUESTS = ("newswatch:results", "newswatch:processing",
                                       "newswatch:work", "newswatch:requests")


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of our own on a free port, its files in a temporary directory."""
    data = tmp_path / "redis"
    data.mkdir()
    server, port = start_on_free_port(
        lambda port: subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir",
                                       str(data), "--save", "", "--appendonly", "no"],
                                      stdout=subprocess.DEVNULL, start_new_session=True),
        lambda port: _pings(f"redis://127.0.0.1:{port}/0"), timeout=10)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def _pings(url: str) -> bool:
    try:
        return redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        return False


class Cluster:
    """The processes of one test, each in a process group of its own (killed only by its id)."""

    def __init__(self, tmp_path: Path, sources: Path, redis_url: str):
        self.tmp, self.db, self.sources, self.url = tmp_path, tmp_path / "newswatch.db", sources, redis_url
        self.redis = redis.Redis.from_url(redis_url)
        self.procs: list[subprocess.Popen] = []

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "newswatch", "--db", str(self.db), "--sources",
                str(self.sources), *args, "--redis", self.url]

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp / f"{args[0]}-{len(self.procs)}.log", "w")
        proc = subprocess.Popen(self.command(*args), cwd=self.tmp, env=_env(), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(self.command(*args), cwd=self.tmp, env=_env(), capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def kill9(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def depth(self, key: str) -> int:
        return self.redis.zcard(key) if self.redis.type(key) == b"zset" else self.redis.llen(key)

    def idle(self) -> bool:
        return all(self.depth(k) == 0 for k in (WORK, REQUESTS, RESULTS, PROCESSING))


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="",
                NEWSWATCH_REDIS="")


def count(db: Path, sql: str, params=()) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute(sql, params).fetchone()[0]
        except sqlite3.OperationalError:  # tables not created yet
            return 0


def settle(cluster: Cluster, quiet: float = 1.5) -> None:
    """Wait until the queues are empty and no check was written for `quiet` seconds (a
    worker's requests in flight are in no queue)."""
    last = [None, time.monotonic()]

    def settled() -> bool:
        checks = count(cluster.db, "select count(*) from checks")
        if checks != last[0] or not cluster.idle():
            last[:] = [checks, time.monotonic()]
            return False
        return time.monotonic() - last[1] >= quiet
    wait_for(settled, timeout=60)


@pytest.fixture
def make_cluster(tmp_path, redis_url):
    """(site info, server, cluster) for a generated site of `articles` articles."""
    made = []

    def make(articles: int, extra: str = "") -> tuple:
        info = generate_site(tmp_path / "site", articles, seed=7)
        server = DemoServer(tmp_path / "site").__enter__()
        sources = write_sources(tmp_path / "sources.toml", server.base_url, extra=extra)
        cluster = Cluster(tmp_path, sources, redis_url)
        made.append((server, cluster))
        return info, server, cluster

    yield make
    for server, cluster in made:
        cluster.stop()
        server.__exit__(None, None, None)


def test_two_workers_store_every_article_once_and_an_edit_once(make_cluster):
    info, server, cluster = make_cluster(8, 'discover_every = "2s"\n[settings]\nrecheck_every = "2s"\n'
                                            'tiers = [{younger_than = "3650d", every = "1s"}]')
    cluster.start("ingest")
    cluster.start("worker")
    cluster.start("worker")
    daemon = cluster.start("run")
    db = cluster.db
    wait_for(lambda: count(db, "select count(*) from versions") == 8)
    # more discovery cycles: the known-URL set keeps them from fetching the articles again
    wait_for(lambda: count(db, "select count(*) from crawls where kind = 'discover'") >= 3)
    target = info.articles[2].path
    edit_articles(info.root, [target], kind="append")
    wait_for(lambda: count(db, "select version_count from articles where url = ?",
                           [server.base_url + target]) == 2)
    time.sleep(3)  # further re-check cycles must find nothing new
    assert count(db, "select count(*) from articles") == 8
    assert count(db, "select count(*) from versions") == 9
    assert count(db, "select count(*) from checks where outcome = 'new'") == 8
    assert count(db, "select count(*) from checks where outcome in "
                     "('unchanged', 'not_modified', 'unchanged_raw')") >= 8
    assert count(db, "select count(*) from checks where result_id is null") == 0
    report = json.loads(cluster.run("status", "--json").stdout)["distributed"]
    assert len(report["workers"]) == 2 and report["queues"]["failed"] == 0
    assert report["ingest"]["pid"] and report["ingest_lag_seconds"] < 30
    os.killpg(daemon.pid, signal.SIGTERM)
    assert daemon.wait(30) == 0


def test_recheck_after_discovery_refetches_every_due_article(make_cluster):
    _, _, cluster = make_cluster(8, '[settings]\ntiers = [{younger_than = "3650d", every = "1s"}]')
    cluster.start("ingest")
    cluster.start("worker")
    cluster.start("worker")
    db = cluster.db
    cluster.run("run", "--once")  # discovery, then a re-check with nothing due yet
    wait_for(lambda: count(db, "select count(*) from versions") == 8 and cluster.idle())
    for round_ in (2, 3):  # a discovery cycle, then a re-check of every (due) article
        time.sleep(1.1)
        out = cluster.run("run", "--once").stdout
        assert "job=recheck" in out and "pushed=8" in out, out
        wait_for(lambda: count(db, "select min(n) from (select count(*) n from checks "
                                   "group by article_id)") == round_ and cluster.idle())
    assert count(db, "select count(*) from checks") == 3 * 8
    assert count(db, "select count(*) from checks where outcome = 'new'") == 8
    assert count(db, "select count(*) from versions") == 8
    seen = list(cluster.redis.scan_iter(match="newswatch:seen:*"))
    assert seen and all(0 < cluster.redis.ttl(key) <= 86400 for key in seen)  # per cycle, expiring


def test_ingest_announces_an_edit_once_through_the_sources_notify_targets(make_cluster):
    """Distributed crawls notify as local ones do: ingest, the writer, queues and sends."""
    with Receiver() as receiver:
        info, server, cluster = make_cluster(6, f'notify = ["{receiver.url}"]\n[settings]\n'
                                                'tiers = [{younger_than = "3650d", every = "1s"}]')
        cluster.start("ingest")
        cluster.start("worker")
        db = cluster.db
        cluster.run("run", "--once")
        wait_for(lambda: count(db, "select count(*) from versions") == 6)
        settle(cluster)
        target = info.articles[1].path
        edit_articles(info.root, [target], kind="headline")
        time.sleep(1.1)
        cluster.run("run", "--once")
        wait_for(lambda: count(db, "select count(*) from notifications where status = 'sent'") == 1)
        settle(cluster)
        assert count(db, "select count(*) from versions") == 7
        assert count(db, "select count(*) from notifications") == 1  # first versions: none
        [post] = receiver.received
        assert server.base_url + target in post["body"]["message"]
        assert "headline" in post["body"]["message"]


def test_a_worker_reads_the_sub_sitemaps_again_in_every_discovery_cycle(make_cluster):
    """A worker lives for many cycles: a sub-sitemap it fetched in one must not be skipped as
    "seen" in the next (the articles it lists that were lost in flight would never be found)."""
    _, server, cluster = make_cluster(8)
    cluster.start("ingest")
    cluster.start("worker")
    db = cluster.db
    for cycle in (1, 2):
        cluster.run("run", "--once")
        wait_for(lambda: count(db, "select count(*) from crawls where kind = 'discover' "
                                   "and status = 'finished'") == cycle)
        settle(cluster)
    fetched = [r.path for r in server.requests if r.path.endswith(".xml")]
    for sitemap in ("/sitemap.xml", "/sitemap-news.xml", "/sitemap-pages.xml"):
        assert fetched.count(sitemap) == 2, fetched
    assert count(db, "select count(*) from articles") == 8


def test_kill9_of_a_worker_loses_nothing(make_cluster):
    _, _, cluster = make_cluster(80, '[settings]\nrequests_per_second = 40\nconcurrent_per_domain = 2')
    cluster.start("ingest")
    doomed = cluster.start("worker")
    cluster.start("worker")
    db = cluster.db
    cluster.run("run", "--once")
    wait_for(lambda: count(db, "select count(*) from articles") >= 12)
    cluster.kill9(doomed)
    at_kill = count(db, "select count(*) from articles")
    assert at_kill < 80, "the crawl ended before the kill: make it slower"
    settle(cluster)  # the other worker drains the shared frontier
    assert count(db, "select count(*) from articles") > at_kill
    # what the killed worker had in flight is still unknown: the next discovery cycle (`run`
    # starts one every discover_every) fetches it
    for cycle in range(3):
        cluster.run("run", "--once")
        try:
            wait_for(lambda: count(db, "select count(*) from articles") == 80, timeout=25)
            break
        except AssertionError:  # say why in the test's output, then try one more cycle
            print(f"after cycle {cycle + 2}:", count(db, "select count(*) from articles"), "articles;",
                  {k: cluster.depth(k) for k in (WORK, REQUESTS, RESULTS, PROCESSING)})
    settle(cluster)
    assert count(db, "select count(*) from articles") == 80
    assert count(db, "select count(*) from versions") == 80
    assert count(db, "select count(*) from checks where outcome = 'new'") == 80
    assert count(db, "select max(version_count) from articles") == 1


def fetches(cluster: Cluster) -> list[bytes]:
    return [r for r in cluster.redis.lrange(RESULTS, 0, -1) if json.loads(r)["type"] == "fetch"]


def test_kill9_of_ingest_mid_batch_then_restart_loses_and_duplicates_nothing(make_cluster):
    _, _, cluster = make_cluster(40)
    cluster.start("worker")
    cluster.start("worker")
    db = cluster.db
    cluster.run("run", "--once")  # creates the database; no ingest yet: results wait in Redis
    wait_for(lambda: len(fetches(cluster)) == 40 and cluster.depth(REQUESTS) == 0
             and cluster.depth(WORK) == 0, timeout=60)
    results, total = fetches(cluster), cluster.depth(RESULTS)  # fetches + discovery pages
    lock = sqlite3.connect(db, timeout=30)
    lock.execute("BEGIN IMMEDIATE")  # ingest takes a batch, then waits for the write lock …
    ingest = cluster.start("ingest", "--batch", "5")
    wait_for(lambda: cluster.depth(PROCESSING) == 5)
    time.sleep(0.5)
    cluster.kill9(ingest)  # … and dies in the middle of its batch
    lock.rollback()
    lock.close()
    assert cluster.depth(PROCESSING) == 5 and cluster.depth(RESULTS) == total - 5
    assert count(db, "select count(*) from checks") == 0
    out = cluster.run("ingest", "--batch", "7", "--until-idle").stderr
    assert "new 40" in out, out
    assert cluster.idle()
    # killed after COMMIT but before LREM: the same results come back from the processing list
    cluster.redis.rpush(PROCESSING, *results[:10])
    out = cluster.run("ingest", "--until-idle").stderr
    assert "replayed 10" in out and "new" not in out, out
    assert cluster.idle()
    assert count(db, "select count(*) from articles") == 40
    assert count(db, "select count(*) from versions") == 40
    assert count(db, "select count(*) from checks") == 40
    assert count(db, "select count(distinct result_id) from checks") == 40
    assert count(db, "select sum(fetched) from crawls where cycle is not null") == 40


def test_a_result_that_cannot_be_written_spoils_nothing_else_in_its_batch(tmp_path):
    """db.ingest.write_batch: each result all-or-nothing inside the batch's one transaction."""
    from datetime import datetime, timezone

    from crawler.recheck.policy import schedule_for
    from crawler.sources import DEFAULT_TIERS
    from crawler.distributed.protocol import Result
    from db.ingest import write_batch
    from db.schema import open_db
    from db.store import Content, Fetch

    def fetched(n: int) -> Result:
        return Result("fetch", f"id-{n}", fetch=Fetch(url=f"http://127.0.0.1/news/story-{n}",
                      source="s", checked_at=datetime.now(timezone.utc), http_status=200),
                      content=Content(title=f"Story {n}", byline="By A. Writer", body=f"Text {n}."))
    broken = Result("fetch", "id-broken")  # no fetch: its write raises
    db = open_db(tmp_path / "n.db")
    outcomes = write_batch(db, [fetched(1), broken, fetched(2)], schedule_for(DEFAULT_TIERS))
    assert [getattr(o, "outcome", None) for o in outcomes] == ["new", None, "new"]
    assert isinstance(outcomes[1], Exception)
    assert db.execute("select count(*) from versions").fetchone()[0] == 2
    assert db.execute("select count(*) from checks").fetchone()[0] == 2


def test_ingest_submits_each_new_version_to_save_page_now_once(make_cluster):
    """Distributed crawls save pages as local ones do: ingest, the writer, queues and submits."""
    from tests.test_save_page_now import SaveEndpoint

    with SaveEndpoint() as endpoint:
        info, server, cluster = make_cluster(4, f'save_page_now = true\n[settings]\n'
                                                f'save_page_now_endpoint = "{endpoint.url}"\n'
                                                'save_page_now_per_minute = 60')
        cluster.start("ingest")
        cluster.start("worker")
        db = cluster.db
        cluster.run("run", "--once")
        wait_for(lambda: count(db, "select count(*) from page_saves where status = 'saved'") == 4)
        settle(cluster)
    assert sorted(endpoint.urls()) == sorted(server.base_url + a.path for a in info.articles)
    assert count(db, "select count(*) from versions where spn_timestamp is not null") == 4
