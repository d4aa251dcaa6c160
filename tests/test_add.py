"""`newswatch add`, `remove` and `sources`, through the real CLI against real servers on 127.0.0.1:
the demo site (feeds, a sitemap index with a news sitemap, og/JSON-LD metadata) and HostileServer
routes for sites built to order (a robots.txt sitemap, no feeds at all)."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sources import load_config
from crawler.sourcesfile import PAUSE_ENV, write_atomically
from newswatch.demosite import DemoServer, generate_site
from tests.conftest import REPO, Cli, wait_for
from tests.hostile import HostileServer, html, response

ARTICLE_TABLES = ("versions", "checks", "change_records", "events", "aliases", "notifications",
                  "versions_superseded")


@pytest.fixture
def demo(tmp_path):
    """The demo site (8 articles) served on 127.0.0.1, and a Cli whose sources file does not exist yet."""
    root = tmp_path / "site"
    with DemoServer(root) as server:
        info = generate_site(root, 8, seed=11, base_path=server.base_url)
        yield info, server, Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def home_page(links: list[str], head: str = "") -> bytes:
    anchors = "".join(f'<li><a href="{u}">{u.rsplit("/", 1)[-1]}</a></li>' for u in links)
    return html(f"<html><head><title>Home</title>{head}</head><body><ul>{anchors}</ul>"
                f'<a href="/about">About</a></body></html>'.encode())


# -- articles ------------------------------------------------------------------------------------
def test_article_url_is_stored_as_version_one_and_rechecked_by_the_policy(demo):
    info, server, cli = demo
    url = info.articles[0].url
    out = cli("add", url + "?utm_source=newsletter").stdout
    assert out.startswith("tracking ") and "og:type article" in out and "version 1 stored" in out
    source = load_config(cli.sources).sources[0]
    assert (source.name, source.feeds, source.sitemaps, source.start_urls) == ("127-0-0-1-" + str(server.port), (), (), ())
    [(article_id, stored_url, versions, next_check)] = rows(
        cli.db, "select id, url, version_count, next_check_at from articles")
    assert (stored_url, versions) == (url, 1) and next_check is not None
    cli("crawl")  # an articles-only source: nothing to discover, no error
    assert rows(cli.db, "select count(*) from articles") == [(1,)]
    cli("recheck")  # not due yet (and the schedule's settings are recorded: no re-plan below)
    assert rows(cli.db, "select count(*) from checks") == [(1,)]
    with sqlite3.connect(cli.db) as conn:  # the policy's next check has come
        conn.execute("update articles set next_check_at = '2000-01-01T00:00:00+00:00'")
    cli("recheck")
    assert rows(cli.db, "select count(*) from checks where article_id = ?", [article_id]) == [(2,)]
    assert rows(cli.db, "select count(*) from versions") == [(1,)]


def test_adding_an_article_twice_stores_it_once(demo):
    info, _, cli = demo
    cli("add", info.articles[1].url.removeprefix("http://"))  # as pasted: https first, then http
    again = cli("add", info.articles[1].url + "?utm_source=x", "--json")
    assert json.loads(again.stdout)["action"] == "already tracked"
    assert rows(cli.db, "select count(*), sum(version_count) from articles") == [(1, 1)]
    assert rows(cli.db, "select count(*) from checks") == [(1,)]
    assert cli.sources.read_text().count("[[source]]") == 1


# -- sites ---------------------------------------------------------------------------------------
def test_site_with_feed_link_robots_sitemap_and_news_sitemap(tmp_path):
    with HostileServer() as server:
        base = server.base_url
        articles = [f"{base}/politics/2026/11/harbour-plan-approved-{n}" for n in range(4)]
        server.routes["/"] = home_page(articles, f'<link rel="alternate" type="application/rss+xml" '
                                                 f'href="{base}/latest.rss">')
        server.routes["/latest.rss"] = response(200, (
            '<rss version="2.0"><channel><title>x</title>' + "".join(
                f"<item><title>t</title><link>{u}</link></item>" for u in articles)
            + "</channel></rss>").encode(), {"Content-Type": "application/rss+xml"})
        server.routes["/robots.txt"] = response(200, f"User-agent: *\nAllow: /\nSitemap: {base}/maps/all.xml\n"
                                                .encode(), {"Content-Type": "text/plain"})
        server.routes["/maps/all.xml"] = response(200, (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in articles) + "</urlset>").encode())
        server.routes["/news-sitemap.xml"] = response(200, (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"<url><loc>{articles[0]}</loc><news:news><news:title>t</news:title></news:news></url>"
            "</urlset>").encode())
        cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
        found = json.loads(cli("add", base + "/", "--dry-run", "--json").stdout)
    assert found["action"] == "would add" and not cli.sources.exists()
    assert found["feeds"] == [f"{base}/latest.rss"]
    assert found["sitemaps"] == [f"{base}/news-sitemap.xml", f"{base}/maps/all.xml"]  # news first
    assert found["news_sitemaps"] == [f"{base}/news-sitemap.xml"]
    assert found["start_urls"] == [f"{base}/"] and found["allowed_domains"] == ["127.0.0.1"]
    assert found["article_pattern_suggested"] == "/politics/"
    # robots.txt honoured: nothing but the site was asked, and each path at most once
    assert all(h.host == f"127.0.0.1:{server.port}" for h in server.hits)


def test_site_without_feeds_or_sitemaps_gets_start_url_and_a_suggested_pattern(tmp_path):
    with HostileServer() as server:
        base = server.base_url
        links = [f"/stories/{slug}" for slug in ("mayor-wins-second-term", "storm-closes-the-harbour",
                                                 "school-budget-passes-at-last")]
        server.routes["/"] = home_page(links)
        cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
        out = cli("add", base + "/").stdout
    text = cli.sources.read_text()
    [source] = load_config(cli.sources).sources
    assert source.start_urls == (f"{base}/",) and source.feeds == () and source.sitemaps == ()
    assert source.article_pattern is None  # shown, not applied
    assert "# article_pattern = '/stories/'" in text and "remove the '# '" in out
    assert f"newswatch crawl --source {source.name}" in out


def test_added_site_crawls_and_adding_it_twice_changes_nothing(demo):
    _, server, cli = demo
    first = json.loads(cli("add", server.base_url + "/", "--json").stdout)
    assert first["action"] == "added"
    assert any(f.endswith("/feed.xml") for f in first["feeds"])
    assert any(s.endswith("/sitemap-news.xml") for s in first["news_sitemaps"])
    before = cli.sources.read_bytes()
    again = json.loads(cli("add", server.base_url + "/", "--json").stdout)
    assert again["action"] == "already a source" and again["source"] == first["source"]
    assert cli.sources.read_bytes() == before
    cli("crawl", "--source", first["source"])
    assert rows(cli.db, "select count(*) from articles") == [(8,)]


def test_comments_and_layout_of_the_sources_file_survive(demo):
    _, server, cli = demo
    original = ('# My newsroom\'s sources\n[settings]\nrecheck_every = "5m"   # often: elections\n\n'
                '[[source]]\n# the wire\nname = "wire"\nfeeds = ["https://wire.example/rss"]\n')
    cli.sources.write_text(original)
    cli("add", server.base_url + "/")
    text = cli.sources.read_text()
    assert text.startswith(original)
    assert [s.name for s in load_config(cli.sources).sources] == ["wire", f"127-0-0-1-{server.port}"]
    cli("remove", "wire")
    assert text.replace('[[source]]\n# the wire\nname = "wire"\nfeeds = ["https://wire.example/rss"]\n\n', "") \
        == cli.sources.read_text()
    assert cli.sources.read_text().startswith('# My newsroom\'s sources\n[settings]\nrecheck_every = "5m"   # often')


def test_a_kill_during_the_write_leaves_the_old_file_intact(demo, tmp_path):
    _, server, cli = demo
    original = '# keep me\n[[source]]\nname = "wire"\nfeeds = ["https://wire.example/rss"]\n'
    cli.sources.write_text(original)
    marker = tmp_path / "in-the-window"
    env = dict(os.environ, PYTHONPATH=str(REPO), **{PAUSE_ENV: str(marker)})
    child = subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                              str(cli.sources), "add", server.base_url + "/"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(marker.exists)  # the new text is written and fsynced beside the old file
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert cli.sources.read_text() == original
    assert [s.name for s in load_config(cli.sources).sources] == ["wire"]


def test_atomic_write_replaces_the_whole_file_or_nothing(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_atomically(path, "new\n")
    assert path.read_text() == "new\n" and path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["sources.toml"]  # no temporary file left


def test_an_invalid_result_is_refused_before_anything_is_written(demo):
    _, server, cli = demo
    cli.sources.write_text('[[source]]\nname = "wire"\nfeeds = ["https://wire.example/rss"]\n'
                           '[settings]\nrecheck_every = "often"\n')
    before = cli.sources.read_bytes()
    result = cli("add", server.base_url + "/", check=False)
    assert result.returncode == 2 and "recheck_every" in result.stderr
    assert cli.sources.read_bytes() == before


def test_unreachable_url_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
    result = cli("add", f"http://127.0.0.1:{port}/", check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: http://127.0.0.1:{port}/ answered nothing useful: "
                                    "connection refused (tried the page, /robots.txt, 6 feed paths, "
                                    "3 sitemap paths)")
    assert not cli.sources.exists()


def test_a_page_that_is_not_html_is_one_line_and_exit_1(tmp_path):
    with HostileServer() as server:
        server.routes["/report.pdf"] = response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"})
        cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
        result = cli("add", server.base_url + "/report.pdf", check=False)
    assert result.returncode == 1
    assert "not an HTML page (Content-Type application/pdf)" in result.stderr
    assert result.stderr.count("\n") == 1


# -- remove and sources ----------------------------------------------------------------------------
def _crawled(demo) -> tuple[Cli, str]:
    _, server, cli = demo
    name = json.loads(cli("add", server.base_url + "/", "--json").stdout)["source"]
    cli("crawl", "--source", name)
    return cli, name


def test_removing_a_source_keeps_its_history_and_stops_rechecks(demo):
    cli, name = _crawled(demo)
    versions = rows(cli.db, "select count(*) from versions")
    out = cli("remove", name).stdout
    assert "no longer re-checked" in out and "history stays" in out
    assert load_config(cli.sources).sources == ()
    assert rows(cli.db, "select status, next_check_at, count(*) from articles group by 1, 2") == \
        [("untracked", None, 8)]
    assert rows(cli.db, "select count(*) from events where new = 'untracked' and detail like ?",
                [f"%{name}%removed%"]) == [(8,)]
    assert rows(cli.db, "select count(*) from versions") == versions


def test_removing_an_article_stops_its_rechecks_even_with_all(demo):
    cli, _ = _crawled(demo)
    [(article_id, url)] = rows(cli.db, "select id, url from articles order by id limit 1")
    cli("remove", url + "#top")  # as pasted: one lookup for every command
    checks = rows(cli.db, "select count(*) from checks where article_id = ?", [article_id])
    cli("recheck", "--all")
    assert rows(cli.db, "select count(*) from checks where article_id = ?", [article_id]) == checks
    assert rows(cli.db, "select count(*) from checks where article_id != ?", [article_id])[0][0] >= 14
    assert "tracked again, 1 version(s) kept" in cli("add", url).stdout  # `add` undoes `remove`
    [(status, next_check)] = rows(cli.db, "select status, next_check_at from articles where id = ?",
                                  [article_id])
    assert status == "live" and next_check is not None


def test_purging_an_article_deletes_exactly_its_rows(demo):
    cli, _ = _crawled(demo)
    [(article_id, url)] = rows(cli.db, "select id, url from articles order by id limit 1")
    with sqlite3.connect(cli.db) as conn:  # an alias and an event of its own, to be purged too
        conn.execute("insert into aliases (url, article_id, first_seen) values ('http://old/x', ?, 'now')",
                     [article_id])
        conn.execute("insert into events (article_id, at, kind) values (?, 'now', 'url')", [article_id])
    others = {t: rows(cli.db, f"select * from {t} where article_id != ? order by 1", [article_id])
              for t in ARTICLE_TABLES}
    result = cli("remove", url, "--purge", "--yes")
    assert "deleted 1 aliases, 1 articles" in result.stdout
    for table in ARTICLE_TABLES:
        assert rows(cli.db, f"select count(*) from {table} where article_id = ?", [article_id]) == [(0,)]
        assert rows(cli.db, f"select * from {table} where article_id != ? order by 1", [article_id]) \
            == others[table]
    assert rows(cli.db, "select count(*) from articles") == [(7,)]


def test_purge_asks_first(demo):
    cli, _ = _crawled(demo)
    [(url,)] = rows(cli.db, "select url from articles order by id limit 1")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    refused = subprocess.run([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                              str(cli.sources), "remove", url, "--purge"], input="n\n", text=True,
                             capture_output=True, env=env)
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    assert rows(cli.db, "select count(*) from articles") == [(8,)]


def test_sources_lists_counts(demo):
    info, server, cli = demo
    cli("add", info.articles[0].url)  # an articles-only source of the site, with one article
    name = json.loads(cli("add", server.base_url + "/", "--json").stdout)["source"]
    cli("crawl")
    [listed] = cli.json_lines("sources", "--json")
    assert listed["source"] == name and listed["articles_only"] is False
    assert (listed["articles"], listed["tracked"], listed["by_status"]) == (8, 8, {"live": 8})
    assert listed["versions"] == 8 and listed["last_discovery"] is not None
    assert listed["feeds"] >= 1 and listed["sitemaps"] >= 1 and listed["start_urls"] == 1
    assert f"{name}: " in cli("sources").stdout


# -- how a page is told and how politely it is asked -----------------------------------------------
def test_a_page_without_metadata_is_an_article_when_the_cleaner_reads_one(tmp_path):
    paragraphs = "".join(f"<p>The harbour council met on Tuesday evening for reading {n} of the plan, "
                         "which residents, fishermen and officials have argued about for months.</p>"
                         for n in range(12))
    page = (f"<html><head><title>Harbour plan approved</title></head><body><article><h1>Harbour "
            f"plan approved after a long debate</h1><p class=byline>By Ann Lee</p>{paragraphs}"
            "</article></body></html>").encode()
    with HostileServer() as server:
        server.routes["/local/harbour-plan-approved-after-debate"] = html(page)
        cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
        done = json.loads(cli("add", server.base_url + "/local/harbour-plan-approved-after-debate",
                              "--dry-run", "--json").stdout)
    assert done["kind"] == "article" and done["why"].startswith("a headline and ")
    assert done["action"] == "would track" and not cli.sources.exists()


def test_robots_txt_is_honoured_and_redirects_stay_on_the_site(tmp_path):
    with HostileServer() as server:
        server.routes["/robots.txt"] = response(200, b"User-agent: *\nDisallow: /private/\n",
                                                {"Content-Type": "text/plain"})
        server.routes["/private/"] = home_page(["/news/never-asked-for-this"])
        server.routes["/moved/"] = response(301, b"", {"Location": f"http://localhost:{server.port}/"})
        cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
        disallowed = cli("add", server.base_url + "/private/", check=False)
        moved = cli("add", server.base_url + "/moved/", check=False)
        asked = server.paths()
        hosts = {h.host for h in server.hits}
    assert disallowed.returncode == 1 and "robots.txt disallows it" in disallowed.stderr
    assert "/private/" not in asked
    assert moved.returncode == 1 and f"redirect off the site to http://localhost:{server.port}/" in moved.stderr
    assert hosts == {f"127.0.0.1:{server.port}"}  # localhost is another host: never asked
