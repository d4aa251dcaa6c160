"""Hostile input that reached the output or the fetcher: control characters in page text, an
empty allowed_domains, links needing entities nobody resolves, compressed bodies past the size
cap, and the web view's bind address, response size and article ids.

Each test runs the real CLI (a child process) against tests.hostile.HostileServer on 127.0.0.1,
or `newswatch serve` as a real process, and looks at the real SQLite file, the server's log and
what the commands print. docs/reliability-input.md describes the behaviour.
"""
from __future__ import annotations

import gzip
import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from db.schema import open_db
from tests import hostile
from tests.conftest import REPO, Cli, free_port, start_on_free_port
from tests.test_serve import answers, get
from tests.hostile import MiB, HostileServer, article_html, html, response, rss, urlset

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def q(db, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql, params))


def sources_file(tmp_path, body: str, settings: str = "workers = 1\n"):
    path = tmp_path / "sources.toml"
    path.write_text(f"[settings]\n{settings}\n{body}", encoding="utf-8")
    return path


# -- 1. control characters ------------------------------------------------------------------
def escapes_page(extra: bytes = b"") -> bytes:
    """An article whose headline and body carry ESC/BEL (a terminal title change, a colour),
    DEL and C1 controls, as character references and as raw bytes."""
    page = article_html(1).replace(b"Harbour plan 1 is", b"Harbour &#27;]0;pwned&#7;plan&#27;[31m 1 is")
    return page.replace(b"The council voted on Tuesday to approve harbour plan 1,",
                        b"The \x1b[2Jcouncil&#27;[5m voted&#127;&#x9b;31m on\tTuesday to approve harbour"
                        b" plan 1, " + extra)


def test_control_characters_are_never_stored_nor_printed(tmp_path):
    with HostileServer() as server:
        base = server.base_url
        server.routes["/news/escapes"] = html(escapes_page())
        server.routes["/feed.xml"] = response(200, rss([(f"{base}/news/escapes", "x")]).encode(),
                                              {"Content-Type": "application/rss+xml"})
        cli = Cli(tmp_path / "n.db", sources_file(tmp_path, f'[[source]]\nname = "s"\nfeeds = '
                                                  f'["{base}/feed.xml"]\n'), tmp_path)
        cli("crawl")
        server.routes["/news/escapes"] = html(escapes_page(b"a second reading &#7;followed,"))
        cli("recheck", "--all")
    stored = q(cli.db, "select title, byline, body from versions")
    assert len(stored) == 2 and "plan" in stored[0][0] and "council" in stored[0][2]
    for row in stored:
        for text in row:
            assert not CONTROL.search(text or ""), repr(text)
    assert "on Tuesday" in stored[0][2]  # the tab became a space
    url = f"{base}/news/escapes"
    ET.fromstring(cli("feed", "--since", "all").stdout.encode())  # well-formed XML
    for args in (["changes", "--since", "all"], ["history", url], ["show", url, "--version", "1"],
                 ["diff", url], ["search", "harbour"]):
        out = cli(*args).stdout
        assert "council" in out or "plan" in out, (args, out)
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, (args, repr(out))
    # A database written before this rule may hold them: the terminal still never sees them.
    with sqlite3.connect(cli.db) as conn:
        for table in ("versions", "articles"):
            conn.execute(f"update {table} set title = title || char(27) || '[31m' || char(7)")
        conn.execute("update checks set outcome = 'error', error = 'HTTP 301: redirect to '"
                     " || char(27) || '[31m not followed'")  # what a Location header may carry
    for args in (["changes", "--since", "all"], ["history", url], ["show", url], ["search", "harbour"],
                 ["articles"], ["errors", "--since", "all"]):
        out = cli(*args).stdout
        assert "[31m" in out and "\x1b" not in out and "\x07" not in out, (args, repr(out))
    ET.fromstring(cli("feed", "--since", "all").stdout.encode())


# -- 2. allowed_domains -----------------------------------------------------------------------
def test_an_empty_allowed_domains_is_a_config_error(tmp_path):
    sources = sources_file(tmp_path, '[[source]]\nname = "s"\nfeeds = ["http://127.0.0.1:9/feed.xml"]\n'
                                     "allowed_domains = []\n")
    result = Cli(tmp_path / "n.db", sources, tmp_path)("crawl", check=False)
    assert result.returncode == 2
    error, = result.stderr.strip().splitlines()
    assert "line 7" in error and "'s'" in error and "allowed_domains" in error and "empty" in error, error
    assert not (tmp_path / "n.db").exists() or not q(tmp_path / "n.db", "select * from crawls")


def test_allowed_domains_hold_on_every_path_redirects_included(tmp_path):
    """Redirects to another host are refused by the crawl (Scrapy) and the re-check (the probe
    hands a redirect to Scrapy, which refuses it); an article on a host no longer allowed is
    asked for by neither."""
    with HostileServer() as server:
        base = server.base_url
        other = base.replace("127.0.0.1", "localhost")
        server.routes["/news/stays"] = html(article_html(1))
        server.routes["/news/elsewhere"] = html(article_html(2))
        feed = [(f"{base}/news/stays", "a"), (f"{other}/news/elsewhere", "b")]
        server.routes["/feed.xml"] = response(200, rss(feed).encode(), {"Content-Type": "application/rss+xml"})
        source = f'[[source]]\nname = "s"\nfeeds = ["{base}/feed.xml"]\nallowed_domains = ["127.0.0.1"'
        cli = Cli(tmp_path / "n.db", sources_file(tmp_path, source + ', "localhost"]\n'), tmp_path)
        cli("crawl")  # both hosts allowed: both articles are stored
        assert len(q(cli.db, "select * from versions")) == 2
        sources_file(tmp_path, source + "]\n")  # now localhost is not
        server.routes["/news/moves-away"] = response(301, b"", {"Location": f"{other}/news/elsewhere"})
        server.routes["/feed.xml"] = response(200, rss(feed + [(f"{base}/news/moves-away", "c")]).encode(),
                                              {"Content-Type": "application/rss+xml"})
        server.routes["/news/stays"] = response(302, b"", {"Location": f"{other}/news/elsewhere"})
        before = len(server.hits)
        cli("crawl")
        cli("recheck", "--all")
        later = server.hits[before:]
    assert {"/news/moves-away", "/news/stays"} <= {h.path for h in later}, later
    assert all(h.host.startswith("127.0.0.1") for h in later), later
    errors = dict(q(cli.db, "select url, error from checks where error is not null"))
    for path in ("/news/moves-away", "/news/stays"):
        assert "outside the source's allowed_domains" in errors[base + path], errors
    assert len(q(cli.db, "select * from versions")) == 2  # nothing recorded from the other host


# -- 3. links that need an entity ---------------------------------------------------------------
def test_a_link_needing_an_unresolved_entity_is_dropped_and_named(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER")
    with HostileServer() as server:
        base = server.base_url
        good = f"{base}/news/good?page=1&amp;day=2"
        dtd = f'<?xml version="1.0"?>\n<!DOCTYPE ROOT [\n<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
        feed = (dtd.replace("ROOT", "rss") + f'<rss version="2.0"><channel><title>t</title>'
                f"<item><title>a</title><link>{base}/news/a/&xxe;</link></item>"
                f"<item><title>n</title><link>{base}/news/n/&nbsp;</link></item>"
                f"<item><title>g</title><link>{good}</link></item></channel></rss>")
        sitemap = (dtd.replace("ROOT", "urlset") + '<urlset xmlns="http://www.sitemaps.org/schemas/'
                   f'sitemap/0.9"><url><loc>{base}/news/b/&xxe;</loc></url></urlset>')
        server.routes["/feed.xml"] = response(200, feed.encode(), {"Content-Type": "application/rss+xml"})
        server.routes["/sitemap.xml"] = response(200, sitemap.encode(), {"Content-Type": "application/xml"})
        for path in ("/news/a/", "/news/a/&xxe", "/news/n/", "/news/b/", "/news/good?page=1&day=2"):
            server.routes[path] = html(article_html(len(path)))
        cli = Cli(tmp_path / "n.db", sources_file(
            tmp_path, f'[[source]]\nname = "s"\nfeeds = ["{base}/feed.xml"]\n'
                      f'sitemaps = ["{base}/sitemap.xml"]\n'), tmp_path)
        cli("crawl")
        paths = server.paths()
    assert "/news/good?page=1&day=2" in paths
    assert not [p for p in paths if p.startswith(("/news/a/", "/news/n/", "/news/b/"))], paths
    assert [u for u, in q(cli.db, "select url from articles")] == [f"{base}/news/good?page=1&day=2"]
    error, = q(cli.db, "select error from crawls")[0]
    for link in (f"{base}/news/a/&xxe;", f"{base}/news/n/&nbsp;", f"{base}/news/b/&xxe;"):
        assert f"link {link} needs entity" in error and "not fetched" in error, error
    assert "SECRET-MARKER" not in "\n".join(sqlite3.connect(cli.db).iterdump())


# -- 4. the size cap after decompression ----------------------------------------------------------
CAP = 10 * MiB  # DOWNLOAD_MAXSIZE, the documented cap


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def test_bodies_that_decompress_past_the_cap_are_refused_and_named(tmp_path):
    with HostileServer() as server:
        base = server.base_url
        entry = f"<url><loc>{base}/news/from-the-big-sitemap</loc></url>".encode()
        big_urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                      + entry * (CAP // len(entry) + 1000) + b"</urlset>")
        assert len(big_urlset) > CAP
        bomb = hostile.gzip_bomb(CAP + MiB)  # zeros: ~11 KB on the wire
        encoded = {"Content-Encoding": "gzip"}
        server.routes.update({
            # sitemap.xml.gz as it is usually served: gzip bytes, no Content-Encoding
            "/big-sitemap.xml.gz": response(200, gzipped(big_urlset), {"Content-Type": "application/x-gzip"}),
            "/big-sitemap.xml": response(200, gzipped(big_urlset), {"Content-Type": "application/xml", **encoded}),
            "/bomb-feed.xml": response(200, bomb, {"Content-Type": "application/rss+xml", **encoded}),
            "/bomb-section.html": html(bomb, **encoded),
            "/sitemap.xml": response(200, urlset([f"{base}/news/fine"]).encode(), {"Content-Type": "application/xml"}),
            "/news/fine": html(article_html(1), ETag='"1"'),  # re-checked conditionally: by the probe
        })
        refused = ["/big-sitemap.xml.gz", "/big-sitemap.xml", "/bomb-feed.xml", "/bomb-section.html"]
        cli = Cli(tmp_path / "n.db", sources_file(
            tmp_path, f'[[source]]\nname = "s"\nfeeds = ["{base}/bomb-feed.xml"]\n'
                      f'sitemaps = ["{base}/big-sitemap.xml.gz", "{base}/big-sitemap.xml", "{base}/sitemap.xml"]\n'
                      f'start_urls = ["{base}/bomb-section.html"]\n'), tmp_path)
        cli("crawl")
        assert "/news/from-the-big-sitemap" not in server.paths()
        error, = q(cli.db, "select error from crawls")[0]
        for path in refused:
            assert f"{base}{path}: refused: the body decompresses to more than 10 MB (DOWNLOAD_MAXSIZE" \
                in error, (path, error)
        assert q(cli.db, "select url from articles") == [(f"{base}/news/fine",)]
        # the re-check's conditional request (the probe) hands the answer to Scrapy, which decompresses
        server.routes["/news/fine"] = html(bomb, ETag='"2"', **encoded)
        result = cli("recheck", "--all", "-v")
    assert re.search(r"'newswatch/probed': 1\b", result.stderr), result.stderr[-2000:]
    check, = q(cli.db, "select outcome, error from checks order by id desc limit 1")
    assert check[0] == "error" and check[1].startswith("refused: the body decompresses to more than 10 MB"), check
    assert len(q(cli.db, "select * from versions")) == 1


# -- 5. the web view ---------------------------------------------------------------------------------
def start_serve(tmp_path, db, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
    return subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(db), "--sources",
                             str(tmp_path / "none.toml"), "serve", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(server: subprocess.Popen) -> None:
    server.terminate()  # only the process this test started
    server.wait(timeout=10)


def test_the_web_view_caps_responses_and_answers_404_for_any_article_id(tmp_path):
    db = tmp_path / "n.db"
    open_db(db).close()  # an empty newswatch database
    server, port = start_on_free_port(lambda port: start_serve(tmp_path, db, "--port", str(port)),
                                      lambda port: answers(f"http://127.0.0.1:{port}/-/versions.json"))
    base = f"http://127.0.0.1:{port}"
    try:  # the big answers take seconds to make, more on a loaded machine: a generous timeout
        for article_id in ("9" * 20, "9" * 5000, str(1 << 63), "12"):
            status, text = get(f"{base}/-/newswatch/diff/{article_id}")
            assert status == 404 and "Traceback" not in text, (article_id, status, text[:300])
        status, text = get(f"{base}/n.json?" + urlencode({"sql": "select hex(randomblob(3e8)) as x"}),
                           timeout=120)
        assert status == 400 and len(text) < 100_000 and "too big" in text, (status, text[:300])
        rows = ("with recursive n(i) as (select 1 union all select i + 1 from n limit {}) "
                "select i, hex(randomblob(400000)) as x from n")  # values of 800 KB
        status, text = get(f"{base}/n.json?" + urlencode({"sql": rows.format(40)}), timeout=120)  # 32 MB
        assert status == 400 and len(text) < 100_000 and "over 16 MB" in text, (status, text[:300])
        status, text = get(f"{base}/n.json?" + urlencode({"sql": rows.format(4)}), timeout=120)
        assert status == 200 and len(text) > 3_000_000  # under the caps, answered in full
    finally:
        stop(server)


def test_serving_beyond_this_machine_prints_a_warning(tmp_path):
    db = tmp_path / "n.db"
    open_db(db).close()
    local = start_serve(tmp_path, db, "--port", str(free_port()))
    server = start_serve(tmp_path, db, "--host", "0.0.0.0", "--port", str(free_port()))
    try:
        warning = server.stderr.readline()  # printed before the server binds; no traffic sent
    finally:
        stop(server)
        stop(local)
    assert warning.startswith("warning: --host 0.0.0.0 binds every interface: the web view is "
                              "reachable from the network"), warning
    assert "datasette-auth-passwords" in warning and "reverse proxy" in warning
    assert "warning" not in local.stderr.read()
