"""One lookup of an article by URL, for every command: a URL as a user pastes it (tracking
parameters, no scheme, an old slug) finds the tracked article."""
from __future__ import annotations

import json
import socket
import sqlite3
from datetime import datetime

import pytest
from click.testing import CliRunner

from newswatch.cli import cli as newswatch


def run(cli, *args):
    """A query command in-process (click's runner): no process boundary is under test here."""
    result = CliRunner().invoke(newswatch, ["--db", str(cli.db), "--sources", str(cli.sources), *args])
    return result


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from newswatch.demosite import DemoServer, generate_site
    from tests.conftest import Cli, write_sources

    root = tmp_path_factory.mktemp("lookup")
    info = generate_site(root / "site", 4, seed=21)
    with DemoServer(root / "site") as server:
        cli = Cli(root / "n.db", write_sources(root / "s.toml", server.base_url), root)
        cli("crawl")
        yield info, server, cli


@pytest.mark.parametrize("spelling", [
    "{url}?utm_source=newsletter&utm_medium=email",
    "{url}#comments",
    "{bare}",
])
def test_history_finds_the_article_as_pasted(crawled, spelling):
    info, server, cli = crawled
    url = server.base_url + info.articles[0].path
    pasted = spelling.format(url=url, bare=url.removeprefix("http://"))
    result = run(cli, "history", pasted, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["url"] == url


def test_an_unknown_url_is_one_line_naming_the_articles_command(crawled):
    info, server, cli = crawled
    result = run(cli, "show", server.base_url + "/news/nothing-here.html")
    assert result.exit_code == 2
    assert "no tracked article" in result.output and "newswatch articles" in result.output


def test_articles_lists_what_is_tracked(crawled):
    info, server, cli = crawled
    result = run(cli, "articles", "--json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["url"] for r in rows} == {server.base_url + a.path for a in info.articles}
    assert all(r["versions"] == 1 and r["status"] == "live" and r["next_check_at"] for r in rows)
    assert run(cli, "articles", "--status", "gone").output.strip() == "no tracked articles matching the filters"


def test_recheck_of_an_old_slug_rechecks_the_article(crawled):
    info, server, cli = crawled
    url = server.base_url + info.articles[1].path
    with sqlite3.connect(cli.db) as conn:
        article_id = conn.execute("select id from articles where url = ?", [url]).fetchone()[0]
        conn.execute("insert into aliases (url, article_id, first_seen) values (?, ?, '2026-01-01')",
                     [url.replace(".html", "-old-slug.html"), article_id])
        before = conn.execute("select count(*) from checks where article_id = ?", [article_id]).fetchone()[0]
    cli("recheck", url.replace(".html", "-old-slug.html") + "?utm_campaign=x")
    with sqlite3.connect(cli.db) as conn:
        after = conn.execute("select count(*) from checks where article_id = ?", [article_id]).fetchone()[0]
    assert after == before + 1


def test_errors_and_history_show_the_failed_checks(crawled):
    info, server, cli = crawled
    url = server.base_url + info.articles[2].path
    server.set_route(info.articles[2].path, status=404)
    try:
        cli("recheck", url)
    finally:
        server.clear_routes()
    rows = [json.loads(line) for line in run(cli, "errors", "--json").output.splitlines()]
    assert [(r["url"], r["last_outcome"], r["last_error"], r["failures"]) for r in rows] == \
        [(url, "missing", "HTTP 404", 1)]
    text = run(cli, "history", url).output
    assert "recent checks:" in text and "missing" in text and "HTTP 404" in text
    assert "By (no byline)" not in run(cli, "show", url).output


def test_changed_tiers_replan_the_tracked_articles(tmp_path):
    from newswatch.demosite import DemoServer, generate_site
    from tests.conftest import Cli, add_settings, write_sources

    generate_site(tmp_path / "site", 3, seed=4)
    with DemoServer(tmp_path / "site") as server:
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        cli("crawl")
        before = {r["url"]: r["next_check_at"] for r in cli.json_lines("articles", "--json")}
        add_settings(cli.sources, 'tiers = [{younger_than = "30d", every = "1m"}]')
        first = cli("recheck")
        again = cli("recheck")
        after = {r["url"]: r for r in cli.json_lines("articles", "--json")}
    assert "the tiers changed: the next check of 3 tracked article(s) was planned again" in first.stderr
    assert "tiers changed" not in again.stderr
    for url, row in after.items():
        last, due = (datetime.fromisoformat(row[k]) for k in ("last_checked", "next_check_at"))
        assert row["next_check_at"] < before[url] and (due - last).total_seconds() <= 70


def test_status_names_failures_and_articles_no_longer_checked(crawled):
    info, server, cli = crawled
    with sqlite3.connect(cli.db) as conn:
        conn.execute("update articles set next_check_at = null where url = ?",
                     [server.base_url + info.articles[3].path])
    text = run(cli, "status").output
    assert "no longer checked: 1" in text


@pytest.mark.parametrize("url,canonical", [
    ("http://[::1]:8080/a?utm_source=x#top", "http://[::1]:8080/a"),
    ("HTTPS://News.Example:443/a?id=3&fbclid=z", "https://news.example/a?id=3"),
])
def test_canonical_urls(url, canonical):
    from crawler.urls import canonical_url

    assert canonical_url(url) == canonical


def test_a_dead_site_is_one_line_per_problem_and_a_failed_crawl(tmp_path):
    from tests.conftest import Cli

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once it is closed
    sources = tmp_path / "s.toml"
    sources.write_text(f'[[source]]\nname = "dead"\nfeeds = ["http://127.0.0.1:{port}/feed.xml"]\n'
                       f'sitemaps = ["http://127.0.0.1:{port}/sitemap.xml"]\n', encoding="utf-8")
    result = Cli(tmp_path / "n.db", sources, tmp_path)("crawl", check=False)
    assert result.returncode == 1
    assert "scrapy" not in result.stderr  # Scrapy's own retry and robots.txt lines: only with -v
    for path in ("feed.xml", "sitemap.xml"):
        assert result.stderr.count(f"discovery failed: http://127.0.0.1:{port}/{path}: connection refused") == 1
    assert "every discovery URL failed" in result.stderr.splitlines()[-1]


def test_failed_articles_are_named_in_the_summary_and_by_errors(tmp_path):
    from tests.conftest import Cli
    from tests.hostile import HostileServer, response, rss

    with HostileServer() as server:
        base = server.base_url
        server.routes["/feed.xml"] = response(200, rss([(f"{base}/news/{name}", name) for name in
                                                        ("photo.jpg", "report.pdf", "gone-story.html")]).encode(),
                                              {"Content-Type": "application/rss+xml"})
        server.routes["/news/photo.jpg"] = response(200, b"\xff\xd8\xff", {"Content-Type": "image/jpeg"})
        server.routes["/news/report.pdf"] = response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"})
        sources = tmp_path / "s.toml"
        sources.write_text(f'[settings]\nworkers = 1\n[[source]]\nname = "s"\nfeeds = ["{base}/feed.xml"]\n',
                           encoding="utf-8")
        cli = Cli(tmp_path / "n.db", sources, tmp_path)
        result = cli("crawl")
    failed = [line for line in result.stderr.splitlines() if "] failed: " in line]
    assert len(failed) == 3 and any("photo.jpg" in line for line in failed)
    listed = run(cli, "errors", "--json").output.splitlines()
    assert len(listed) == 3
    status = run(cli, "status").output
    assert "failed 24h:" in status and "errors 0%" not in status


def test_a_feed_that_is_no_feed_is_one_line_and_a_failed_crawl(tmp_path):
    from tests.conftest import Cli
    from tests.hostile import HostileServer, html

    with HostileServer() as server:
        server.routes["/feed.xml"] = html(b"<html><body>this is not a feed at all</body></html>")
        sources = tmp_path / "s.toml"
        sources.write_text(f'[[source]]\nname = "s"\nfeeds = ["{server.base_url}/feed.xml"]\n', encoding="utf-8")
        result = Cli(tmp_path / "n.db", sources, tmp_path)("crawl", check=False)
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if "discovery failed" in line]
    assert problems == [f"[discover] discovery failed: {server.base_url}/feed.xml: not an RSS or Atom feed "
                        "(no <rss>, <feed> or <rdf:RDF> in it)"]
