"""End to end: real CLI → real Scrapy crawl of a real local site → real SQLite file."""
from __future__ import annotations

from newswatch.demosite import churn_chrome, edit_articles
from tests.conftest import query as rows


def test_first_crawl_stores_one_version_per_article(site, cli):
    info, server = site
    result = cli("crawl", "--json")
    articles = rows(cli.db, "select url, title, version_count from articles order by url")
    expected = sorted(server.base_url + a.path for a in info.articles)
    assert [a["url"] for a in articles] == expected
    assert all(a["version_count"] == 1 for a in articles)
    by_url = {server.base_url + a.path: a.title for a in info.articles}
    assert all(a["title"] == by_url[a["url"]] for a in articles)
    assert '"new": 8' in result.stdout and "crawl" in result.stderr  # summary JSON + progress line
    assert rows(cli.db, "select count(*) n from versions")[0]["n"] == 8


def test_second_crawl_fetches_only_new_articles(site, cli):
    cli("crawl")
    cli("crawl")
    assert rows(cli.db, "select count(*) n from checks")[0]["n"] == 8
    assert rows(cli.db, "select count(*) n from crawls where status = 'finished'")[0]["n"] == 2


def test_edit_makes_exactly_one_new_version(site, cli):
    info, server = site
    cli("crawl")
    target = info.articles[2].path
    [edit] = edit_articles(info.root, [target], kind="append")
    churn_chrome(info.root, seed=11)
    cli("recheck", "--all")
    versions = rows(cli.db, "select a.url, count(*) n from versions v join articles a "
                            "on a.id = v.article_id group by a.url")
    counts = {r["url"]: r["n"] for r in versions}
    assert counts.pop(server.base_url + target) == 2
    assert set(counts.values()) == {1}
    [change] = cli.json_lines("changes", "--json")
    assert change["url"] == server.base_url + target and change["version"] == 2
    assert change["words_added"] > 0 and change["words_removed"] == 0
    assert {"title", "captured_at", "words_added", "words_removed"} <= set(change)
    diff = cli("diff", server.base_url + target, "--no-color").stdout
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 1 and "Update" in added[0]


def test_chrome_churn_alone_records_no_version(site, cli):
    info, _ = site
    cli("crawl")
    churn_chrome(info.root, seed=5)
    result = cli("recheck", "--all", "--json")
    assert '"unchanged": 8' in result.stdout
    assert rows(cli.db, "select count(*) n from versions")[0]["n"] == 8
    assert cli("changes", "--json").stdout.strip() == ""


def test_headline_and_byline_edits_are_versions(site, cli):
    info, server = site
    cli("crawl")
    a, b = info.articles[0].path, info.articles[1].path
    edit_articles(info.root, [a], kind="headline")
    edit_articles(info.root, [b], kind="byline")
    cli("recheck", server.base_url + a, server.base_url + b)
    changes = {c["url"]: c for c in cli.json_lines("changes", "--json")}
    assert changes[server.base_url + a]["title_changed"] == 1
    assert changes[server.base_url + a]["title"] != info.articles[0].title
    assert changes[server.base_url + b]["byline_changed"] == 1
    assert changes[server.base_url + b]["title_changed"] == 0


def test_history_and_show(site, cli):
    info, server = site
    cli("crawl")
    url = server.base_url + info.articles[0].path
    history = cli("history", url).stdout
    assert info.articles[0].title in history and "v1" in history
    shown = cli("show", url, "--version", "1").stdout
    assert info.articles[0].paragraphs[0].split()[0] in shown
    missing = cli("show", url, "--version", "9", check=False)
    assert missing.returncode == 2 and "versions 1..1" in missing.stderr


def test_dead_server_records_errors_and_no_versions(site, cli):
    info, server = site
    cli("crawl")
    server.stop()
    result = cli("recheck", "--all", "--json")
    assert '"failed": 8' in result.stdout
    assert rows(cli.db, "select count(*) n from versions")[0]["n"] == 8
    errors = rows(cli.db, "select outcome, error from checks where outcome = 'error'")
    assert len(errors) == 8 and all("refused" in e["error"] for e in errors)
    assert {r["status"] for r in rows(cli.db, "select status from articles")} == {"error"}


def test_dead_server_on_discovery_says_so(tmp_path, make_cli):
    from tests.conftest import write_sources

    sources = write_sources(tmp_path / "dead.toml", "http://127.0.0.1:9")
    cli = make_cli(sources.read_text())
    result = cli("crawl", check=False)
    assert result.returncode == 1  # nothing could be read: the crawl failed
    assert "discovery failed" in result.stderr and "refused" in result.stderr
    assert rows(cli.db, "select count(*) n from versions")[0]["n"] == 0


def test_error_pages_and_empty_pages_are_not_versions(site, cli):
    info, server = site
    cli("crawl")
    gone, junk = info.articles[0].path, info.articles[1].path
    server.set_route(gone, status=404, body=b"<html><body><h1>Not found</h1></body></html>")
    server.set_route(junk, status=200, body=b"\x00\xff<<<not html at all",
                     headers={"Content-Type": "text/html"})
    cli("recheck", server.base_url + gone, server.base_url + junk)
    checks = rows(cli.db, "select url, http_status, outcome, error from checks "
                          "where outcome in ('error', 'missing')")
    by_url = {c["url"].removeprefix(server.base_url): c for c in checks}
    assert by_url[gone]["http_status"] == 404 and by_url[gone]["error"] == "HTTP 404"
    assert by_url[gone]["outcome"] == "missing" and by_url[junk]["outcome"] == "error"
    assert by_url[junk]["error"].startswith("no ")
    assert rows(cli.db, "select max(version) v from versions")[0]["v"] == 1


def test_recheck_without_due_articles_fetches_nothing(site, cli):
    cli("crawl")
    result = cli("recheck", "--json")
    assert '"fetched": 0' in result.stdout


def test_full_text_search_over_versions(site, cli):
    info, _ = site
    cli("crawl")
    word = max(info.articles[3].title.split(), key=len).strip("“”‘’\"',.:;!?")
    hits = rows(cli.db, "select rowid from versions_fts where versions_fts match ?", (f'"{word}"',))
    assert hits


def test_scrapy_crawl_from_project_root(site, cli):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = dict(os.environ, NEWSWATCH_DB=str(cli.db), NEWSWATCH_SOURCES=str(cli.sources),
               PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=demo",
                             "-s", "LOG_LEVEL=WARNING"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert rows(cli.db, "select count(*) n from versions")[0]["n"] == 8
    assert "new 8" in result.stderr


import pytest  # noqa: E402


@pytest.mark.parametrize("only", ["feeds", "sitemaps", "sections"])
def test_each_discovery_path_alone_finds_articles(tmp_path, site, make_cli, only):
    from tests.conftest import write_sources

    info, server = site
    flags = {k: k == only for k in ("feeds", "sitemaps", "sections")}
    cli = make_cli(write_sources(tmp_path / f"{only}.toml", server.base_url, **flags).read_text())
    cli("crawl")
    urls = {r["url"] for r in rows(cli.db, "select url from articles")}
    linked = {server.base_url + a.path for a in info.articles}
    assert urls and urls <= linked
    if only != "sections":  # the feed has the 20 newest, the sitemap all: 8 either way
        assert urls == linked
