"""Browser rendering: real crawls driven by scrapy-playwright and the machine's chromium against
pages on 127.0.0.1 whose article a script builds after load, and ordinary pages beside them."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.render import looks_script_built
from crawler.sources import SourceConfigError, find_browser, load_config
from tests.conftest import Cli
from tests.hostile import HostileServer, article_html, html, response, rss

pytestmark = pytest.mark.skipif(find_browser() is None, reason="needs chromium (apt-get install chromium)")

STORY = ("The harbour authority confirmed on Monday that the new ferry terminal will open in spring, "
         "after two years of delays caused by storms, a shortage of steel and a dispute over the "
         "design of the pier. ")
# A script-built article: an empty app root, a bundle that asks an API for the story and writes
# it into the page after load. The plain HTML holds no article text at all.
SHELL = (b'<!doctype html><html><head><meta charset="utf-8"><title>Ferry terminal</title>'
         b'<script src="/static/app.js" defer></script></head>'
         b'<body><div id="root"></div><noscript>Enable JavaScript</noscript></body></html>')
APP_JS = (b"fetch('/api/story.json').then(r => r.json()).then(story => {"
          b"  const root = document.getElementById('root');"
          b"  root.innerHTML = '<article><h1>' + story.title + '</h1><p class=byline>By ' + story.author +"
          b"    '</p><img src=/static/photo.png>' + story.paragraphs.map(p => '<p>' + p + '</p>').join('') +"
          b"    '</article>';"
          b"});")
ETAG = '"shell-1"'


def story_json(paragraphs: int = 5) -> bytes:
    return json.dumps({"title": "Ferry terminal opens in spring after long delays", "author": "Ann Lee",
                       "paragraphs": [f"{STORY}Paragraph {n} of the report." for n in range(paragraphs)]}
                      ).encode()


def serve_shell(server: HostileServer, paths=("/news/ferry.html",)) -> None:
    server.routes["/static/app.js"] = response(200, APP_JS, {"Content-Type": "text/javascript"})
    server.routes["/api/story.json"] = response(200, story_json(), {"Content-Type": "application/json"})
    for path in paths:
        server.routes[path] = html(SHELL, ETag=ETAG)


def feed(server: HostileServer, paths) -> None:
    server.routes["/feed.xml"] = response(200, rss([(server.base_url + p, p) for p in paths]).encode(),
                                          {"Content-Type": "application/rss+xml"})


UA = "newswatch-test (+mailto:render@example.org)"


def make_cli(tmp_path: Path, server: HostileServer, source: str = "", settings: str = "") -> Cli:
    path = tmp_path / "sources.toml"
    path.write_text(f"[settings]\nuser_agent = \"{UA}\"\n{settings}\n[[source]]\nname = \"site\"\nfeeds = [\"{server.base_url}/feed.xml\"]\n"
                    f"allowed_domains = [\"127.0.0.1\"]\narticle_pattern = '/news/'\n{source}\n")
    return Cli(db=tmp_path / "n.db", sources=path, cwd=tmp_path)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def browser_started(result) -> bool:
    """The crawl's closing line when its browser rendered pages (crawler/render.py)."""
    return "page(s) rendered by" in result.stderr


def test_a_script_built_article_is_stored_with_its_text_and_a_304_never_starts_the_browser(tmp_path):
    with HostileServer() as server:
        serve_shell(server)
        feed(server, ["/news/ferry.html"])
        cli = make_cli(tmp_path, server)
        first = cli("crawl")
        assert browser_started(first), first.stderr
        (title, body), = rows(cli.db, "select title, body from versions")
        assert title == "Ferry terminal opens in spring after long delays"
        assert "Paragraph 4 of the report" in body
        assert rows(cli.db, "select source, needed from render_decisions") == [("site", 1)]
        assert "/static/photo.png" not in server.paths()  # images are not fetched (browser_block)
        # the browser's own requests (the bundle, its API call) say who we are, as ours do
        agents = {h.path: h.user_agent for h in server.hits}
        assert agents["/static/app.js"] == agents["/api/story.json"] == agents["/news/ferry.html"] == UA
        # The re-check asks conditionally; the shell answers 304: recorded, no browser started.
        server.routes["/news/ferry.html"] = response(304, b"", {"ETag": ETAG})
        again = cli("recheck", "--all")
        assert not browser_started(again), again.stderr
        assert rows(cli.db, "select http_status from checks order by id desc limit 1") == [(304,)]
        assert rows(cli.db, "select count(*) from versions") == [(1,)]


def test_a_changed_page_of_a_rendered_source_goes_through_the_browser_on_a_recheck(tmp_path):
    """The re-check's conditional probe (crawler/probe.py) gets a 200: it is rendered, not read
    as the empty shell it is."""
    with HostileServer() as server:
        serve_shell(server)
        feed(server, ["/news/ferry.html"])
        cli = make_cli(tmp_path, server)
        cli("crawl")
        server.routes["/news/ferry.html"] = html(SHELL, ETag='"shell-2"')
        server.routes["/api/story.json"] = response(200, story_json(7), {"Content-Type": "application/json"})
        before = len(server.paths())
        again = cli("recheck", "--all")
        assert browser_started(again), again.stderr
        asked = server.paths()[before:]
        # one download of the page (the probe's, handed to the browser), and the scripts ran
        assert asked.count("/news/ferry.html") == 1 and "/api/story.json" in asked, asked
        bodies = [b for (b,) in rows(cli.db, "select body from versions order by version")]
        assert len(bodies) == 2 and "Paragraph 6 of the report" in bodies[1]
    # The diff page shows both versions' screenshots side by side, and serves them.
    diff, old_png, new_png = asyncio.run(served_pages(cli.db, "/-/newswatch/diff/1", *(
        f"/-/newswatch/screenshot/{v}.png?db=n" for (v,) in rows(cli.db, "select id from versions order by version"))))
    assert diff.count('<img src="/-/newswatch/screenshot/') == 2
    assert old_png[:8] == new_png[:8] == b"\x89PNG\r\n\x1a\n" and old_png != new_png
    assert new_png == (tmp_path / "archive" / "screenshots" / "v2.png").read_bytes()


async def served_pages(db: Path, *paths: str) -> list:
    """What `newswatch serve` answers to `paths` (Datasette in this process)."""
    from newswatch.serve import make_datasette

    ds = make_datasette(str(db))
    await ds.invoke_startup()
    pages = [await ds.client.get(path) for path in paths]
    assert all(page.status_code == 200 for page in pages), [p.status_code for p in pages]
    return [pages[0].text] + [page.content for page in pages[1:]]


def test_auto_without_a_browser_fetches_plainly_and_warns_once(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # no chromium on it
    with HostileServer() as server:
        serve_shell(server, paths=("/news/one.html", "/news/two.html"))
        feed(server, ["/news/one.html", "/news/two.html"])
        cli = make_cli(tmp_path, server)
        result = cli("crawl", "--workers", "1", check=False)
        assert "/static/app.js" not in server.paths()  # no browser ran the page's scripts
    warnings = [line for line in result.stderr.splitlines() if "no browser is installed" in line]
    assert len(warnings) == 1 and "apt-get install chromium" in warnings[0], result.stderr
    assert rows(cli.db, "select count(*) from versions") == [(0,)]  # nothing false was stored
    assert rows(cli.db, "select count(*) from render_decisions") == [(0,)]


def test_an_ordinary_page_under_auto_never_starts_the_browser(tmp_path):
    with HostileServer() as server:
        for n in (1, 2):
            server.routes[f"/news/plain-{n}.html"] = html(article_html(n))
        feed(server, ["/news/plain-1.html", "/news/plain-2.html"])
        cli = make_cli(tmp_path, server)
        result = cli("crawl")
        assert not browser_started(result), result.stderr
        assert rows(cli.db, "select count(*) from versions") == [(2,)]
        assert rows(cli.db, "select source, needed from render_decisions") == [("site", 0)]


def test_always_with_a_missing_browser_is_a_one_line_config_error(tmp_path):
    with HostileServer() as server:
        cli = make_cli(tmp_path, server, 'render = "always"', 'browser = "/nowhere/chromium"')
        result = cli("crawl", check=False)
    assert result.returncode != 0
    error, = [line for line in result.stderr.splitlines() if line.strip()]
    assert "browser" in error and "apt-get install chromium" in error and "line 3" in error
    with pytest.raises(SourceConfigError, match="apt-get install chromium"):
        load_config(cli.sources)


def test_a_screenshot_of_each_new_version_and_the_rendered_dom_in_the_warc(tmp_path):
    with HostileServer() as server:
        serve_shell(server)
        feed(server, ["/news/ferry.html"])
        cli = make_cli(tmp_path, server, 'render = "always"', 'archive = "warc"')
        cli("crawl")
        (version_id, file), = rows(cli.db, "select version_id, file from screenshots")
        png = (tmp_path / "archive" / file).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width >= 800 and height >= 500  # a full page, not a blank pixel
        records = {}
        for warc in (tmp_path / "archive").glob("*.warc.gz"):
            with open(warc, "rb") as stream:
                for record in ArchiveIterator(stream):
                    records[(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"))] = (
                        record.rec_headers.get_header("Content-Type"), record.content_stream().read())
        url = f"{server.base_url}/news/ferry.html"
        assert records[("response", url)][1] == SHELL  # the page as it was served
        kind, dom = records[("resource", f"urn:dom:{url}")]
        assert kind == "text/html" and b"Paragraph 4 of the report" in dom and b"<article>" in dom
        assert records[("resource", f"urn:screenshot:{url}")] == ("image/png", png)
        assert "screenshots/" in cli("archive", url).stdout


def test_the_markers_of_a_script_built_page():
    assert looks_script_built(SHELL)
    assert looks_script_built(b'<div id="__next"></div><script src="/_next/main.js"></script>')
    assert not looks_script_built(article_html(1))  # no app root
    assert not looks_script_built(b'<div id="root"></div>')  # no script bundle: nothing will fill it
    filled = b'<div id="root"><p>' + STORY.encode() * 5 + b'</p></div><script src="/a.js"></script>'
    assert not looks_script_built(filled)  # rendered on the server: the text is there


@pytest.mark.parametrize("settings, source, key", [
    ("", 'render = "sometimes"', "render"),
    ("browser_pages = 0", "", "browser_pages"),
    ("render_timeout = \"soon\"", "", "render_timeout"),
    ("browser_block = [\"pictures\"]", "", "browser_block"),
    ("", "screenshots = \"yes\"", "screenshots"),
])
def test_a_bad_render_key_is_a_one_line_error_naming_it(tmp_path, settings, source, key):
    path = tmp_path / "sources.toml"
    path.write_text(f"[settings]\n{settings}\n[[source]]\nname = \"site\"\n"
                    f"feeds = [\"http://127.0.0.1:9/feed.xml\"]\n{source}\n")
    with pytest.raises(SourceConfigError) as raised:
        load_config(path)
    assert f"key {key!r}" in str(raised.value) and "\n" not in str(raised.value)
