"""Hostile input against the crawl processes: a user's regex that backtracks, a crawl that never
ends, a stopped command whose children live on, a section page of endless archive links, a server
that trickles. Each against tests.hostile.HostileServer on 127.0.0.1 and the real CLI, with the
real SQLite file; the process tests find the crawl child and prove it is gone."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO, wait_for, query as rows
from tests.hostile import HostileServer, article_html, drip, html

FAST = "requests_per_second = 1000\nworkers = 1\n"


def sources_text(base: str, *, source: str = "", settings: str = "") -> str:
    """One source whose section page is /index.html on `base`; `source` and `settings` add keys."""
    return (f'[settings]\n{FAST}{settings}\n[[source]]\nname = "site"\n'
            f'start_urls = ["{base}/index.html"]\nallowed_domains = ["127.0.0.1"]\n{source}\n')


def section(paths: list[str]) -> bytes:
    links = "".join(f'<a href="{p}">link</a>\n' for p in paths)
    return html(f"<html><body><h1>Section</h1>{links}</body></html>".encode())


def last_crawl(db) -> dict:
    return rows(db, "select * from crawls order by id desc limit 1")[0]


def running_crawl(db) -> dict | None:
    """The crawl row a child crawl process opened, once it is there (None before)."""
    try:
        found = rows(db, "select * from crawls where status = 'running' order by id desc limit 1")
    except sqlite3.Error:  # not created or not migrated yet
        return None
    return found[0] if found else None


def state(pid: int) -> str:
    """Process `pid`'s state letter in /proc (R, S, T stopped, Z zombie, …); X: no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "X"


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie has ended: only its exit status is left)."""
    return state(pid) not in ("Z", "X")


def pending(pid: int, signum: int) -> bool:
    """Whether signal `signum` waits to be delivered to process `pid` (e.g. a stopped one)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("ShdPnd:"):
            return bool(int(line.split()[1], 16) & 1 << (signum - 1))
    return False


def start_command(cli, *args: str) -> subprocess.Popen:
    """`newswatch …` as a user starts it, in a session of its own (a kill reaches it alone)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
    return subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                             str(cli.sources), *args], cwd=cli.cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


# -- 1. a user's regex cannot hang a crawl; every crawl has a wall-clock limit -------------------
def test_a_backtracking_article_pattern_cannot_hang_the_crawl(make_cli):
    # Python's re needs ~2^40 steps for '(a+)+$' on forty a's and a '!': the crawl never ended.
    evil, story = "/" + "a" * 40 + "!", "/story-aaaa"
    with HostileServer() as server:
        server.routes.update({"/index.html": section([evil, story]), story: html(article_html(1))})
        cli = make_cli(sources_text(server.base_url, source="article_pattern = '(a+)+$'"))
        cli("crawl", timeout=120)
        fetched = server.paths()
    assert [r["url"] for r in rows(cli.db, "select url from articles")] == [server.base_url + story]
    assert evil not in fetched


def test_a_pattern_re2_cannot_run_is_a_config_error_naming_key_and_line(make_cli):
    text = sources_text("http://127.0.0.1:9", source=r"article_pattern = '(?<=news)/\d+'")
    line = text.splitlines().index(r"article_pattern = '(?<=news)/\d+'") + 1
    result = make_cli(text)("crawl", check=False)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert f"line {line}:" in message and "article_pattern" in message and "RE2" in message


def test_max_crawl_time_stops_a_discovery_cleanly(make_cli):
    articles = [f"/news/slow-story-{i}" for i in range(40)]
    with HostileServer() as server:
        server.routes["/index.html"] = section(articles)
        server.routes.update({path: drip(4) for path in articles})  # 4 s each, 4 at a time
        cli = make_cli(sources_text(server.base_url, settings='max_crawl_time = "1s"\n'))
        result = cli("crawl", timeout=120)
    crawl = last_crawl(cli.db)
    assert crawl["status"] == "stopped (max_crawl_time 1s reached)"
    assert crawl["finished_at"] and crawl["fetched"] < len(articles)
    assert "stopped (max_crawl_time 1s reached)" in result.stderr


def test_max_crawl_time_stops_a_recheck_in_its_probe(make_cli):
    articles = [f"/news/story-{i}" for i in range(12)]
    with HostileServer() as server:
        server.routes["/index.html"] = section(articles)
        server.routes.update({p: html(article_html(i), ETag=f'"v{i}"') for i, p in enumerate(articles)})
        pattern = "article_pattern = '/news/'\n"
        cli = make_cli(sources_text(server.base_url, source=pattern))
        cli("crawl", timeout=120)
        assert last_crawl(cli.db)["new"] == len(articles)
        cli.sources.write_text(sources_text(server.base_url, source=pattern + 'max_crawl_time = "1s"'))
        server.routes.update({path: drip(4) for path in articles})
        server.hits.clear()
        cli("recheck", "--all", timeout=120)
        asked = Counter(server.paths())
    crawl = last_crawl(cli.db)
    assert crawl["kind"] == "recheck" and crawl["status"] == "stopped (max_crawl_time 1s reached)"
    # stopped in the probe: nothing was handed to Scrapy, no article asked twice
    assert asked and max(asked.values()) == 1 and sum(asked.values()) < len(articles)


# -- 2. a stopped command stops its children ----------------------------------------------------
@pytest.fixture
def slow_site(make_cli):
    """A section page of 40 articles that trickle (4 s each, 4 at a time): a crawl of ~40 s."""
    articles = [f"/news/slow-story-{i}" for i in range(40)]
    with HostileServer() as server:
        server.routes["/index.html"] = section(articles)
        server.routes.update({path: drip(4) for path in articles})
        yield make_cli(sources_text(server.base_url, source="article_pattern = '/news/'"))


@pytest.mark.parametrize("how, args, exit_code", [
    (signal.SIGTERM, ("crawl",), 128 + signal.SIGTERM),
    (signal.SIGINT, ("crawl",), 128 + signal.SIGINT),
    (signal.SIGTERM, ("run", "--once"), 0),
    (signal.SIGKILL, ("crawl",), -signal.SIGKILL),
], ids=["crawl-sigterm", "crawl-sigint", "run-once-sigterm", "crawl-sigkill"])
def test_a_stopped_command_stops_its_crawl_child(slow_site, how, args, exit_code):
    cli = slow_site
    command = start_command(cli, *args)
    try:
        wait_for(lambda: running_crawl(cli.db) is not None)
        crawl = running_crawl(cli.db)
        child = crawl["pid"]
        assert child != command.pid and alive(child)
        command.send_signal(how)
        wait_for(lambda: not alive(child), timeout=60)  # SIGKILL: the child sees its parent gone
        assert command.wait(timeout=60) == exit_code
    finally:
        if command.poll() is None:
            command.kill()
        command.communicate()
    stopped = rows(cli.db, "select * from crawls where id = ?", [crawl["id"]])[0]
    assert stopped["status"] == "stopped (shutdown)" and stopped["finished_at"]
    assert len(rows(cli.db, "select id from crawls")) == 1  # `run --once` started nothing more



def test_a_second_stop_kills_a_crawl_child_that_cannot_stop(slow_site):
    cli = slow_site
    command = start_command(cli, "crawl")
    try:
        wait_for(lambda: running_crawl(cli.db) is not None)
        child = running_crawl(cli.db)["pid"]
        os.kill(child, signal.SIGSTOP)  # as deaf to SIGTERM as a process stuck in C code
        wait_for(lambda: state(child) == "T")
        command.send_signal(signal.SIGTERM)
        wait_for(lambda: pending(child, signal.SIGTERM))  # passed on (two at once would be one)
        command.send_signal(signal.SIGTERM)
        wait_for(lambda: not alive(child), timeout=60)
        assert command.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if command.poll() is None:
            command.kill()
        command.communicate()
    # killed: the row is left `running` for the next `newswatch run` to close as interrupted
    assert last_crawl(cli.db)["status"] == "running"

# -- 3. a section page of endless links: archive pages are not articles, discovery has a cap ------
def test_tag_pages_are_not_articles_and_the_real_ones_are_reached(make_cli):
    tags = [f"/tag/topic-{n}" for n in range(10_000, 30_000)]  # long numbers: "article ids"
    stories = [f"/2026/12/harbour-plan-{i}-is-approved" for i in range(3)]
    with HostileServer() as server:
        server.routes["/index.html"] = section(tags + stories)  # the real ones last
        server.routes.update({p: html(article_html(i)) for i, p in enumerate(stories)})
        cli = make_cli(sources_text(server.base_url))
        cli("crawl", timeout=300)
        fetched = server.paths()
    stored = {r["url"] for r in rows(cli.db, "select url from articles")}
    assert stored == {server.base_url + p for p in stories}
    assert not [p for p in fetched if p.startswith("/tag/")]


def test_one_discovery_fetches_at_most_its_cap_and_says_so(make_cli):
    links = [f"/2026/12/story-number-{i}-of-many" for i in range(2_000)]
    with HostileServer() as server:
        server.routes["/index.html"] = section(links)  # every one a 404
        cli = make_cli(sources_text(server.base_url, source="max_new_per_discovery = 50"))
        result = cli("crawl", timeout=300)
        fetched = [p for p in server.paths() if p.startswith("/2026/")]
    assert sorted(fetched) == sorted(links[:50])  # the first 50 in the page's order, once each
    note = "site: 1950 more new article links than max_new_per_discovery (50) left for the next discovery"
    assert [line for line in result.stderr.splitlines() if "max_new_per_discovery" in line] == \
        [f"[discover] {note}"]
    assert note in last_crawl(cli.db)["error"]


# -- 4. a trickling server costs one attempt budget per URL, whichever path asks ----------------
def test_a_trickling_server_gets_one_attempt_budget_per_url_on_crawl_and_recheck(make_cli):
    # 1 + RETRY_TIMES (2) attempts of download_timeout each: the re-check's conditional request
    # (crawler/recheck/probe.py) is one of them, not a fourth.
    known, new = "/news/known-story", "/news/trickling-from-the-start"
    with HostileServer() as server:
        server.routes.update({"/index.html": section([known, new]), new: drip(30),
                              known: html(article_html(1), ETag='"v1"')})
        cli = make_cli(sources_text(server.base_url, source="article_pattern = '/news/'",
                                    settings='download_timeout = "2s"\n'))
        cli("crawl", timeout=120)
        first = Counter(server.paths())
        server.routes[known] = drip(30)  # now it trickles too
        server.hits.clear()
        cli("recheck", "--all", timeout=120)
        again = Counter(server.paths())
    assert first[new] == 3 and first[known] == 1  # a first crawl: Scrapy's three attempts
    assert again[known] == 3  # a re-check: the probe's one and Scrapy's two
    recheck = last_crawl(cli.db)
    assert recheck["kind"] == "recheck"
    assert rows(cli.db, "select url, error from checks where crawl_id = ?", [recheck["id"]]) == [
        {"url": server.base_url + known, "error": "timed out"}]
