"""The hostile web: every kind of bad answer in one real crawl.

One crawl of the real CLI against tests.hostile.HostileServer: a source whose feed lists good
articles between hostile ones (bombs, lies, loops, drips, wrong types), and sources whose
feeds and sitemaps are themselves hostile (entity bombs, external entities, a sitemap index
that lists itself). Then, from the real SQLite file and the server's log: the good articles
are stored, every hostile article has one check with a one-line error and no version, the
crawl's row names the discovery failures, the child's peak memory stayed bounded, no external
entity was resolved and no other host or scheme was touched.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from tests import hostile
from tests.conftest import REPO, query as q
from tests.hostile import (XXE_MARKER, HostileServer, article_html, billion_laughs, html, response,
                           rss, sitemapindex, urlset)

MAX_RSS_MB = 400
GOOD = [f"/news/good-{i}" for i in range(3)]


def hostile_articles(base: str, marker_file) -> dict[str, bytes | object]:
    """path -> answer, for each hostile article (all listed in the good source's feed)."""
    other_host = base.replace("127.0.0.1", "localhost")
    nested = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000 + b"</body></html>"
    malformed = (b"<html><head><title>x</title><body><p><b><i><table><tr><td></b></p></td>"
                 b"<scr<script>ipt>x</script><!-- <h1> --><h1<p>>" + b"</div>" * 1000 + b"<" * 5000)
    one_line = b"<html><body><p>" + b"word " * 1_990_000 + b"</p></body></html>"  # ~10 MB, 1 line
    binary = bytes(range(256)) * 400
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n" + binary + b"\n%%EOF\n"
    invalid_utf8 = (b"<html><head><meta charset=utf-8><title>\xff\xfe</title></head><body><h1>\xc3\x28"
                    b"\xa0\xa1\xe2\x28\xa1</h1><p>" + b"\xf0\x28\x8c\xbc\xf8\xa1\xa1\xa1\xa1" * 500
                    + b"</p></body></html>")
    gz, br, zs = hostile.gzip_bomb(), hostile.brotli_bomb(), hostile.zstd_bomb()
    return {
        "/news/nested-100k": html(nested),
        "/news/malformed": html(malformed),
        "/news/one-line-10mb": html(one_line),
        "/news/gzip-bomb": html(gz, **{"Content-Encoding": "gzip"}),
        "/news/brotli-bomb": html(br, **{"Content-Encoding": "br"}),
        "/news/zstd-bomb": html(zs, **{"Content-Encoding": "zstd"}),
        "/news/over-maxsize-declared": hostile.streamed(11 * hostile.MiB, declared=True),
        "/news/over-maxsize-undeclared": hostile.streamed(12 * hostile.MiB),
        "/news/truncated": hostile.truncated(article_html(99)[:400], 50_000),
        "/news/wrong-type-json": response(200, article_html(98), {"Content-Type": "application/json"}),
        "/news/binary-as-html": html(binary),
        "/news/binary-no-type": response(200, binary),
        "/news/pdf": response(200, pdf, {"Content-Type": "application/pdf"}),
        "/news/pdf-no-type": response(200, pdf),
        "/news/invalid-utf8": html(invalid_utf8),
        "/news/invalid-sjis": response(200, invalid_utf8, {"Content-Type": "text/html; charset=shift_jis"}),
        "/news/loop-a": response(301, b"", {"Location": "/news/loop-b"}),
        "/news/loop-b": response(302, b"", {"Location": "/news/loop-a"}),
        "/news/self-loop": response(307, b"", {"Location": "/news/self-loop"}),
        "/news/to-file": response(301, b"", {"Location": "file:///etc/passwd"}),
        "/news/to-marker-file": response(302, b"", {"Location": marker_file.as_uri()}),
        "/news/to-other-host": response(301, b"", {"Location": f"{other_host}/news/good-0"}),
        "/news/drip": hostile.drip(20),
    }


def discovery_routes(base: str, marker_file) -> dict[str, bytes]:
    """path -> answer, for hostile feeds and sitemaps (each in a source of its own)."""
    probe = f"{base}/xxe-probe"
    good = f"{base}/news/via-discovery"
    feed_item = f"<item><title>LAUGH</title><link>{good}</link></item>"
    documents = {
        "/laughs-feed.xml": billion_laughs("rss", f'<rss version="2.0"><channel><title>LAUGH</title>'
                                                  f"{feed_item}</channel></rss>"),
        "/laughs-sitemap.xml": billion_laughs(
            "urlset", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{good}'
                      f"</loc><lastmod>LAUGH</lastmod></url></urlset>"),
        "/xxe-feed.xml": hostile.xxe(
            "rss", f'<rss version="2.0"><channel><title>&xxe;&probe;</title><item><title>&xxe;</title>'
                   f"<description>&xxe;&probe;</description><link>{base}/news/xxe-&xxe;</link></item>"
                   f"</channel></rss>", marker_file, probe),
        "/xxe-sitemap.xml": hostile.xxe(
            "urlset", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                      f"{base}/news/xxe-&xxe;&probe;</loc></url></urlset>", marker_file, probe),
        "/self-index.xml": sitemapindex([f"{base}/self-index.xml", f"{base}/self-urlset.xml",
                                         f"{base}/self-index.xml?again=1"]).encode(),
        "/self-index.xml?again=1": sitemapindex([f"{base}/self-index.xml"]).encode(),
        "/self-urlset.xml": urlset([f"{base}/news/good-via-index"]).encode(),
    }
    return {path: response(200, body, {"Content-Type": "application/xml"})
            for path, body in documents.items()}


def run_measured(args: list[str], cwd, timeout: float = 300) -> tuple[subprocess.CompletedProcess, float]:
    """Run the CLI; return its result and the peak RSS (MB) of it and all its descendants
    (Linux wait4 reports the maximum over the process and the children it reaped)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "newswatch", *args], cwd=cwd, env=env,
                                 stdout=out, stderr=err, text=True)
        watchdog = threading.Timer(timeout, child.kill)  # only the child we started
        watchdog.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            watchdog.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        result = subprocess.CompletedProcess(args, child.returncode, out.read(), err.read())
    return result, usage.ru_maxrss / 1024


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    marker_file = tmp / "secret.txt"
    marker_file.write_text(XXE_MARKER + "\n")
    with HostileServer() as server:
        base = server.base_url
        articles = hostile_articles(base, marker_file)
        assert sorted(articles) == sorted(HOSTILE_PATHS)  # built lazily; listed for parametrize
        server.routes.update(articles)
        server.routes.update(discovery_routes(base, marker_file))
        for i, path in enumerate(GOOD + ["/news/via-discovery", "/news/good-via-index"]):
            server.routes[path] = html(article_html(i))
        listed = [(base + p, p) for p in [GOOD[0], *articles, GOOD[1]]] + [(base + GOOD[2], "g2")]
        server.routes["/feed.xml"] = response(200, rss(listed).encode(),
                                              {"Content-Type": "application/rss+xml"})
        sources = tmp / "sources.toml"
        sources.write_text(
            '[settings]\ndownload_timeout = "3s"\nworkers = 1\n\n'
            f'[[source]]\nname = "good"\nfeeds = ["{base}/feed.xml"]\nallowed_domains = ["127.0.0.1"]\n\n'
            f'[[source]]\nname = "laughs"\nfeeds = ["{base}/laughs-feed.xml"]\n'
            f'sitemaps = ["{base}/laughs-sitemap.xml"]\nallowed_domains = ["127.0.0.1"]\n\n'
            f'[[source]]\nname = "xxe"\nfeeds = ["{base}/xxe-feed.xml"]\n'
            f'sitemaps = ["{base}/xxe-sitemap.xml"]\n'
            'allowed_domains = ["127.0.0.1"]\n\n'
            f'[[source]]\nname = "selfindex"\nsitemaps = ["{base}/self-index.xml"]\n'
            'allowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
        db = tmp / "n.db"
        started = time.monotonic()
        result, peak_mb = run_measured(["--db", str(db), "--sources", str(sources), "crawl", "--json"], tmp)
        elapsed = time.monotonic() - started
        hits = list(server.hits)
    print(f"\nhostile crawl: {len(articles)} hostile articles + 6 hostile discovery documents, "
          f"{elapsed:.1f}s, peak RSS {peak_mb:.0f} MB")
    return dict(db=db, result=result, peak_mb=peak_mb, hits=hits, base=base, articles=articles)


def test_the_crawl_goes_on_and_stores_the_good_articles(hostile_crawl):
    assert hostile_crawl["result"].returncode == 0, hostile_crawl["result"].stderr[-3000:]
    db, base = hostile_crawl["db"], hostile_crawl["base"]
    stored = {r["url"]: r["version_count"] for r in q(db, "select url, version_count from articles")}
    for path in GOOD + ["/news/good-via-index", "/news/via-discovery"]:
        assert stored.get(base + path) == 1, (path, stored)


HOSTILE_PATHS = ["/news/nested-100k", "/news/malformed", "/news/one-line-10mb", "/news/gzip-bomb",
                 "/news/brotli-bomb", "/news/zstd-bomb", "/news/over-maxsize-declared",
                 "/news/over-maxsize-undeclared", "/news/truncated", "/news/wrong-type-json",
                 "/news/binary-as-html", "/news/binary-no-type", "/news/pdf", "/news/pdf-no-type",
                 "/news/invalid-utf8", "/news/invalid-sjis", "/news/loop-a", "/news/loop-b",
                 "/news/self-loop", "/news/to-file", "/news/to-marker-file", "/news/to-other-host",
                 "/news/drip"]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_each_hostile_article_is_a_one_line_error_and_no_version(hostile_crawl, path):
    db, url = hostile_crawl["db"], hostile_crawl["base"] + path
    checks = q(db, "select outcome, error from checks where url = ?", (url,))
    assert len(checks) == 1, (path, checks)
    outcome, error = checks[0]["outcome"], checks[0]["error"]
    assert outcome == "error" and error and "\n" not in error and len(error) < 300, (path, checks)
    assert q(db, "select count(*) n from versions v join articles a on a.id = v.article_id "
                 "where a.url = ?", (url,))[0]["n"] == 0
    print(f"{path}: {error}")


def test_memory_stays_bounded(hostile_crawl):
    assert hostile_crawl["peak_mb"] < MAX_RSS_MB


def test_no_external_entity_other_host_or_loop_is_followed(hostile_crawl):
    paths = [h.path for h in hostile_crawl["hits"]]
    assert "/xxe-probe" not in paths
    assert all(h.host.startswith("127.0.0.1") for h in hostile_crawl["hits"])  # never localhost
    assert paths.count("/self-index.xml") == 1 and paths.count("/self-index.xml?again=1") == 1
    # Scrapy gives up after REDIRECT_MAX_TIMES (20 hops); the feed lists loop-a and loop-b.
    assert paths.count("/news/loop-a") + paths.count("/news/loop-b") <= 42
    with sqlite3.connect(hostile_crawl["db"]) as conn:
        for table, in conn.execute("select name from sqlite_master where type = 'table'"):
            columns = [r[1] for r in conn.execute(f"pragma table_info({table})")]  # names from the schema
            for row in conn.execute(f'select * from "{table}"'):
                text = " ".join(str(v) for v in row)
                assert XXE_MARKER not in text and "lollollol" not in text and "root:x:0" not in text, \
                    (table, columns)


def test_discovery_hostility_is_named_in_the_crawl_row(hostile_crawl):
    crawl = q(hostile_crawl["db"], "select * from crawls")[0]
    assert crawl["status"] == "finished"
    print("crawl error:", crawl["error"])
    for feed in ("laughs-feed.xml", "xxe-feed.xml"):
        assert re.search(f"{feed}: feed is not well-formed XML [(][^)]*undefined entity", crawl["error"])
    assert "feed.xml: feed" not in crawl["error"].replace("-feed.xml", "")  # the honest feed is fine
