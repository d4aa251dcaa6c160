"""Fetching like a good citizen: conditional requests, lifecycle, identity, politeness.

Each case runs the real CLI and a real Scrapy crawl against the fixture server on 127.0.0.1,
then reads the real SQLite file: the check's outcome, the article's status and events, and
that no version was written where none should be."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from newswatch.demosite import DemoServer, edit_articles, generate_site
from tests.conftest import REPO, Cli, add_settings, served_site, write_sources, query as q

SOFT_404 = (b"<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
            b"<p>Sorry, the page you are looking for could not be found.</p></body></html>")
PAYWALL = (b"<html><head><title>Subscribers only</title></head><body><article><h1>Budget talks"
           b"</h1><p>Subscribe to continue reading this article.</p><p>Already a subscriber? "
           b"Sign in.</p></article></body></html>")


def one(db, sql, params=()):
    return next(iter(q(db, sql, params)[0].values()))


@pytest.fixture
def crawled(site, cli):
    """The fixture site crawled once: 8 articles, one version each."""
    cli("crawl")
    return site[0], site[1], cli


def last_check(db, url):
    return q(db, "select * from checks where url = ? order by id desc limit 1", (url,))[0]


def article(db, url):
    return q(db, "select * from articles where url = ?", (url,))[0]


def test_unchanged_articles_answer_304_and_nothing_is_cleaned(tmp_path):
    with served_site(tmp_path, 60, seed=3) as (server, cli):
        cli("crawl")
        server.clear_requests()
        result = cli("recheck", "--all", "--json", "-v")
        article_hits = [r for r in server.requests if r.path.startswith("/news/")]
    assert len(article_hits) == 60
    assert all(r.status == 304 and r.headers.get("If-None-Match") for r in article_hits)
    outcomes = q(cli.db, "select outcome, count(*) n from checks where crawl_id = 2 group by outcome")
    assert outcomes == [{"outcome": "not_modified", "n": 60}]
    assert '"unchanged": 60' in result.stdout and "newswatch/cleaned" not in result.stderr
    assert one(cli.db, "select count(*) from versions") == 60


def test_server_ignoring_validators_skips_cleaning_identical_bodies(tmp_path):
    root = tmp_path / "site"
    with DemoServer(root, validators=False) as server:
        generate_site(root, 6, seed=4, base_path=server.base_url)
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        cli("crawl")
        result = cli("recheck", "--all", "-v")
    outcomes = {r["outcome"] for r in q(cli.db, "select outcome from checks where crawl_id = 2")}
    assert outcomes == {"unchanged_raw"}
    assert "'newswatch/cleaned'" not in result.stderr.split("Dumping Scrapy stats")[-1]


def test_404_twice_is_gone_then_restored_without_versions(crawled):
    info, server, cli = crawled
    path = info.articles[0].path
    url = server.base_url + path
    server.set_route(path, status=404)
    cli("recheck", url)
    assert article(cli.db, url)["status"] == "live" and last_check(cli.db, url)["outcome"] == "missing"
    cli("recheck", url)
    assert article(cli.db, url)["status"] == "gone"
    server.clear_routes()
    cli("recheck", url)
    assert article(cli.db, url)["status"] == "restored"
    events = q(cli.db, "select old, new from article_events where url = ? order by id", (url,))
    assert events == [{"old": "live", "new": "gone"}, {"old": "gone", "new": "restored"}]
    assert one(cli.db, "select count(*) from versions") == 8
    listed = cli.json_lines("events", "--json")
    assert [(e["old"], e["new"]) for e in listed] == [("gone", "restored"), ("live", "gone")]


def test_gone_after_is_configurable_and_410_counts(crawled, tmp_path):
    info, server, cli = crawled
    add_settings(cli.sources, "gone_after = 1")
    path = info.articles[1].path
    server.set_route(path, status=410)
    cli("recheck", server.base_url + path)
    assert article(cli.db, server.base_url + path)["status"] == "gone"


@pytest.mark.parametrize("route,expect", [
    ({"status": 500}, "HTTP 500"),
    ({"status": 503}, "HTTP 503"),
    ({"reset": True}, "Connection"),
    ({"delay": 4.0}, "timed out"),
])
def test_server_failures_are_errors_with_backoff_never_versions(crawled, route, expect):
    info, server, cli = crawled
    add_settings(cli.sources, 'download_timeout = "1s"')
    path = info.articles[2].path
    url = server.base_url + path
    server.set_route(path, **route)
    cli("recheck", url)
    check = last_check(cli.db, url)
    assert check["outcome"] == "error" and expect.lower() in check["error"].lower()
    row = article(cli.db, url)
    assert row["status"] == "error" and row["consecutive_errors"] == 1
    assert row["next_check_at"] > check["checked_at"]  # retried later, with back-off
    assert one(cli.db, "select count(*) from versions") == 8
    server.clear_routes()
    cli("recheck", url)
    assert article(cli.db, url)["status"] == "live" and last_check(cli.db, url)["outcome"] == "not_modified"


def test_soft_404_counts_toward_gone_and_a_paywall_is_blocked(crawled):
    info, server, cli = crawled
    soft, paywall = info.articles[3].path, info.articles[4].path
    server.set_route(soft, body=SOFT_404, headers={"Content-Type": "text/html"})
    server.set_route(paywall, body=PAYWALL, headers={"Content-Type": "text/html"})
    for _ in range(2):  # the same content again is believed no more than the first time
        cli("recheck", server.base_url + soft, server.base_url + paywall)
    for path, outcome, status, needle in ((soft, "missing", "gone", "soft 404"),
                                          (paywall, "blocked", "blocked", "paywall")):
        check = last_check(cli.db, server.base_url + path)
        assert check["outcome"] == outcome and needle in check["error"]
        assert article(cli.db, server.base_url + path)["status"] == status
    assert one(cli.db, "select count(*) from versions") == 8


def test_redirect_on_domain_is_a_url_change_not_a_new_article(crawled):
    info, server, cli = crawled
    old = info.articles[5].path
    new = old.replace(".html", "-updated-slug.html")
    page = (info.root / old.lstrip("/")).read_text()  # the site moved it: canonical and og:url too
    (info.root / new.lstrip("/")).write_text(page.replace(server.base_url + old, server.base_url + new))
    server.set_route(old, redirect=server.base_url + new)
    cli("recheck", server.base_url + old)
    rows = q(cli.db, "select * from articles where url in (?, ?)", (server.base_url + old,
                                                                    server.base_url + new))
    assert len(rows) == 1 and rows[0]["url"] == server.base_url + new
    assert one(cli.db, "select count(*) from articles") == 8
    assert one(cli.db, "select article_id from aliases where url = ?", (server.base_url + old,)) == rows[0]["id"]
    event = q(cli.db, "select * from article_events where kind = 'url_changed'")[0]
    assert (event["old"], event["new"]) == (server.base_url + old, server.base_url + new)
    cli("crawl")  # the feed still lists the old URL: it is an alias, not a new article
    assert one(cli.db, "select count(*) from articles") == 8


def test_redirect_off_domain_is_refused(crawled):
    info, server, cli = crawled
    path = info.articles[6].path
    offsite = server.base_url.replace("127.0.0.1", "localhost") + path
    server.set_route(path, redirect=offsite)
    server.clear_requests()
    cli("recheck", server.base_url + path)
    check = last_check(cli.db, server.base_url + path)
    assert check["outcome"] == "error" and "outside the source's allowed_domains" in check["error"]
    assert not any(r.headers.get("Host", "").startswith("localhost") for r in server.requests)


def test_file_scheme_redirect_is_refused(crawled):
    info, server, cli = crawled
    path = info.articles[6].path
    server.set_route(path, redirect="file:///etc/passwd")
    cli("recheck", server.base_url + path)
    check = last_check(cli.db, server.base_url + path)
    assert check["outcome"] == "error"
    assert one(cli.db, "select count(*) from versions where body like '%root:%'") == 0


def test_robots_disallow_is_obeyed_and_recorded(site, cli):
    info, server = site
    (info.root / "robots.txt").write_text("User-agent: *\nDisallow: /news/\n")
    cli("crawl")
    assert not [r for r in server.requests if r.path.startswith("/news/")]
    errors = q(cli.db, "select error from checks")
    assert errors and all("robots.txt" in e["error"] for e in errors)
    assert one(cli.db, "select count(*) from versions") == 0


def test_tracking_parameters_and_fragments_do_not_make_new_articles(tmp_path):
    root = tmp_path / "site"
    with DemoServer(root) as server:
        info = generate_site(root, 3, seed=5, base_path=server.base_url)
        items = "".join(f"<item><title>x</title><link>{server.base_url}{a.path}?utm_source=rss&amp;"
                        f"fbclid=abc#comments</link></item>" for a in info.articles)
        (root / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel>'
                                       f"<title>t</title>{items}</channel></rss>")
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        cli("crawl")
    urls = sorted(r["url"] for r in q(cli.db, "select url from articles"))
    assert urls == sorted(server.base_url + a.path for a in info.articles)


def test_feed_hint_brings_a_recheck_forward(crawled):
    info, server, cli = crawled
    with sqlite3.connect(cli.db) as conn:
        conn.execute("update articles set next_check_at = '2999-01-01T00:00:00+00:00'")
    [edit] = edit_articles(info.root, [info.articles[0].path], kind="append")
    cli("crawl")  # discovery sees the newer date in the feed / sitemap
    hinted = q(cli.db, "select url from articles where next_check_at < '2999'")
    assert [h["url"] for h in hinted] == [server.base_url + edit.path]
    result = cli("recheck", "--json")  # only what is due
    assert '"fetched": 1' in result.stdout and '"changed": 1' in result.stdout


def test_meta_refresh_is_followed_but_a_bodyless_304_is_not_scanned():
    """MetaRefreshWithBody keeps Scrapy's meta-refresh redirects for pages."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import MetaRefreshWithBody
    middleware = MetaRefreshWithBody.from_crawler(get_crawler(settings_dict={}))
    request = Request("http://news.example/old")
    page = HtmlResponse(request.url, request=request,
                        body=b'<head><meta http-equiv="refresh" content="0;url=/new"></head>')
    assert middleware.process_response(request, page).url == "http://news.example/new"
    not_modified = HtmlResponse(request.url, status=304, body=b"", request=request)
    assert middleware.process_response(request, not_modified) is not_modified
    # and it is the one the crawls use, in Scrapy's place
    downloader = crawl_components()["downloader"]
    assert "MetaRefreshWithBody" in downloader and "MetaRefreshMiddleware" not in downloader


def crawl_components() -> dict:
    """The downloader middlewares and extensions a crawl builds from the project settings, loaded
    as Scrapy loads them, in a fresh interpreter; and which modules of unused ones that imported."""
    script = """if True:
        import json, sys
        from scrapy.utils.conf import build_component_list
        from scrapy.utils.misc import load_object
        from scrapy.utils.project import get_project_settings
        settings = get_project_settings()
        found = {name: build_component_list(settings.get_component_priority_dict_with_base(setting))
                 for name, setting in (("downloader", "DOWNLOADER_MIDDLEWARES"),
                                       ("extensions", "EXTENSIONS"))}
        for path in found["downloader"] + found["extensions"]:
            load_object(path)
        found["imported"] = [m for m in ("tldextract", "twisted.conch", "aiohttp.web")
                             if m in sys.modules]
        print(json.dumps(found))
    """
    env = dict(os.environ, PYTHONPATH=str(REPO), SCRAPY_SETTINGS_MODULE="crawler.settings")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          check=True, cwd=REPO)
    return {k: v if k == "imported" else [p.rsplit(".", 1)[-1] for p in v]
            for k, v in json.loads(done.stdout).items()}


def test_a_crawl_process_does_not_load_the_scrapy_components_it_never_uses():
    """Cookies (off), HTTP auth, the telnet console and the remote-control port are not even
    imported: Scrapy loads every component its base lists name, even one set to None."""
    components = crawl_components()
    assert components["imported"] == []
    for unused in ("CookiesMiddleware", "HttpAuthMiddleware", "TelnetConsole", "RemoteControl",
                   "AutoThrottle"):  # Scrapy's AutoThrottle: ours takes its place
        assert unused not in components["downloader"] + components["extensions"]
    # what the crawls do use is all there
    for used in ("RobotsTxtMiddleware", "RetryMiddleware", "RedirectMiddleware", "StayOnSource",
                 "UseProbedResponse", "HttpCompressionMiddleware", "DownloadTimeoutMiddleware"):
        assert used in components["downloader"]
    assert "ConditionalAwareAutoThrottle" in components["extensions"]
