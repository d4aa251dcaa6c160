"""Hostile input against the crawl processes: a user's regex that backtracks, a crawl that never
ends, a stopped command whose children live on, a section page of endless archive links, a server
that trickles. Each against tests.hostile.HostileServer on 127.0.0.1 and the real CLI, with the
real SQLite file; the process tests find the crawl child and prove it is gone."""
from __future__ import annotations

import sqlite3
from collections import Counter

from tests.hostile import HostileServer, article_html, drip, html

FAST = "requests_per_second = 1000\nworkers = 1\n"


def sources_text(base: str, *, source: str = "", settings: str = "") -> str:
    """One source whose section page is /index.html on `base`; `source` and `settings` add keys."""
    return (f'[settings]\n{FAST}{settings}\n[[source]]\nname = "site"\n'
            f'start_urls = ["{base}/index.html"]\nallowed_domains = ["127.0.0.1"]\n{source}\n')


def section(paths: list[str]) -> bytes:
    links = "".join(f'<a href="{p}">link</a>\n' for p in paths)
    return html(f"<html><body><h1>Section</h1>{links}</body></html>".encode())


def rows(db, sql: str, params=()) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def last_crawl(db) -> dict:
    return rows(db, "select * from crawls order by id desc limit 1")[0]


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
