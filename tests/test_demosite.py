"""Tests for the bundled demo news site and its HTTP server."""
from __future__ import annotations

import http.client
import json
import socket
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from html import escape
from pathlib import Path

import lxml.html
import pytest

from newswatch.demosite import (DemoServer, churn_chrome, edit_articles, generate_site, load_site,
                                render_article)
from newswatch.demosite.__main__ import main as cli_main
from newswatch.demosite.edits import KINDS

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9",
      "atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def served(tmp_path):
    """A 40-article site generated with absolute links to a running server."""
    root = tmp_path / "site"
    with DemoServer(root) as server:
        site = generate_site(root, 40, seed=3, base_path=server.base_url, now=NOW)
        yield site, server


def fetch(server: DemoServer, path: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, body) for one request."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def raw_status(server: DemoServer, target: str) -> tuple[int, bytes]:
    """Send a request line verbatim (no client-side normalisation)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split()[1]), data


def article_blocks(page: str) -> list[str]:
    """The article body as a careful cleaner would take it: direct text children of .entry-content."""
    tree = lxml.html.fromstring(page)
    blocks = []
    for node in tree.xpath('//div[@class="entry-content"]/*'):
        if node.tag in ("p", "h3") and not node.get("class"):
            blocks.append(node.text_content())
        elif node.tag == "blockquote":
            blocks.append(node.text_content())
        elif node.tag == "ul":
            blocks += [li.text_content() for li in node.iter("li")]
    return blocks


def state(root: Path) -> dict:
    return json.loads((root / "site.json").read_text(encoding="utf-8"))


# --- generation -----------------------------------------------------------------------------

def test_generate_writes_every_page(served):
    site, _ = served
    root = site.root
    for name in ("index.html", "about.html", "contact.html", "feed.xml", "atom.xml", "sitemap.xml",
                 "sitemap-news.xml", "sitemap-pages.xml", "robots.txt", "site.json"):
        assert (root / name).is_file(), name
    paths = [a.path for a in site.articles] + list(site.section_paths) + list(site.page_paths)
    missing = [p for p in paths if not (root / p.lstrip("/")).is_file()]
    assert missing == []
    assert len({a.path for a in site.articles}) == 40
    assert all(a.path.startswith(f"/news/{a.section}/") and a.path.endswith(".html") for a in site.articles)
    assert all(a.path.isascii() and " " not in a.path for a in site.articles)
    assert [a["path"] for a in state(root)["articles"]] == [a.path for a in site.articles]


def test_articles_are_deterministic_per_seed(tmp_path):
    one = generate_site(tmp_path / "a", 12, seed=5, now=NOW)
    two = generate_site(tmp_path / "b", 12, seed=5, now=NOW)
    other = generate_site(tmp_path / "c", 12, seed=6, now=NOW)
    assert one.articles == two.articles
    assert (tmp_path / "a" / one.articles[4].path.lstrip("/")).read_bytes() == \
        (tmp_path / "b" / two.articles[4].path.lstrip("/")).read_bytes()
    assert [a.title for a in one.articles] != [a.title for a in other.articles]


def test_published_dates_spread_over_ten_days(served):
    site, _ = served
    published = [datetime.fromisoformat(a.published) for a in site.articles]
    assert all(p.utcoffset() is not None for p in published)
    assert all(NOW - timedelta(days=10, minutes=1) <= p <= NOW for p in published)
    assert sum(NOW - p <= timedelta(hours=3) for p in published) >= 2
    assert max(published) - min(published) > timedelta(days=5)
    assert published == sorted(published)


def test_article_text_is_plausible_and_separable(served):
    site, _ = served
    for article in site.articles:
        assert 6 <= sum(k == "p" for k in article.block_kinds) <= 14
        assert all(p[0].isupper() or p[0] == "\u201c" for p in article.paragraphs)
        assert all(p.rstrip("\u201d")[-1] in ".!?" for k, p in zip(article.block_kinds, article.paragraphs) if k == "p")
        page = (site.root / article.path.lstrip("/")).read_text(encoding="utf-8")
        assert article_blocks(page) == list(article.paragraphs)


def test_article_page_has_metadata_and_boilerplate(served):
    site, _ = served
    article = site.articles[7]
    page = (site.root / article.path.lstrip("/")).read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    title = article.title
    assert tree.findtext(".//title") == f"{title} \u2013 Demo Daily"
    assert tree.xpath('string(//meta[@property="og:title"]/@content)') == title
    assert tree.xpath('string(//link[@rel="canonical"]/@href)') == article.url
    assert tree.xpath('string(//meta[@property="og:url"]/@content)') == article.url
    assert tree.xpath('string(//meta[@property="article:published_time"]/@content)') == article.published
    ld = json.loads(tree.xpath('string(//script[@type="application/ld+json"])'))
    assert (ld["@type"], ld["headline"], ld["datePublished"]) == ("NewsArticle", title, article.published)
    assert ld["author"][0]["name"] == article.author
    assert tree.xpath("string(//h1)") == title
    assert page.count(f">{escape(article.author)}</a></span></span>") == 1
    assert tree.text_content().count("By " + article.author) == 1
    for marker in ("sfsi_", "Please follow and like us:", "a2a_kit", 'id="jp-relatedposts"', "<p>Advertisement</p>",
                   "_wpnonce", "Translate \u00bb", 'alt="fbpx"', "Trending", "Latest news", "min read",
                   "Home</a> &raquo; <span", "cookie-law-info-bar", "Leave a Reply"):
        assert marker in page, marker
    size = len(page.encode())
    assert 25_000 < size < 100_000


def test_feeds_list_the_twenty_newest(served):
    site, server = served
    newest = sorted(site.articles, key=lambda a: a.published, reverse=True)[:20]
    expected = {server.url(a.path) for a in newest}
    rss = ET.fromstring((site.root / "feed.xml").read_bytes())
    items = rss.findall("./channel/item")
    assert {i.findtext("link") for i in items} == expected
    assert all(i.findtext("title") and i.findtext("pubDate") and i.findtext("guid") for i in items)
    atom = ET.fromstring((site.root / "atom.xml").read_bytes())
    links = {e.find("atom:link", NS).get("href") for e in atom.findall("atom:entry", NS)}
    assert links == expected


def test_sitemaps_list_every_article(served):
    site, server = served
    index = ET.fromstring((site.root / "sitemap.xml").read_bytes())
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    assert [s.findtext("sm:loc", namespaces=NS) for s in index] == [
        server.url("/sitemap-news.xml"), server.url("/sitemap-pages.xml")]
    pages = ET.fromstring((site.root / "sitemap-pages.xml").read_bytes())
    assert {u.findtext("sm:loc", namespaces=NS) for u in pages} == {a.url for a in site.articles}
    assert all(u.findtext("sm:lastmod", namespaces=NS) for u in pages)
    news = ET.fromstring((site.root / "sitemap-news.xml").read_bytes())
    listed = {u.findtext("sm:loc", namespaces=NS) for u in news}
    assert listed == {server.url(p) for p in site.news_sitemap_paths} and listed
    for url in news:
        assert url.findtext("sm:lastmod", namespaces=NS)
        assert url.findtext("news:news/news:publication_date", namespaces=NS)
    assert f"Sitemap: {server.url('/sitemap.xml')}" in (site.root / "robots.txt").read_text()


def test_section_pages_link_every_article(served):
    site, _ = served
    linked = set()
    for path in site.section_paths:
        tree = lxml.html.fromstring((site.root / path.lstrip("/")).read_bytes())
        linked |= {href for href in tree.xpath("//a/@href")}
    assert {a.url for a in site.articles} <= linked
    home = (site.root / "index.html").read_text(encoding="utf-8")
    assert "/about.html" in home and "/contact.html" in home and "/tag/" in home


def test_base_path_prefix(tmp_path):
    site = generate_site(tmp_path, 6, base_path="/demo", now=NOW)
    assert site.articles[0].path.startswith("/demo/news/")
    assert site.feed_paths == ("/demo/feed.xml", "/demo/atom.xml")
    assert (tmp_path / "demo" / "feed.xml").is_file()
    assert "<link>/demo/news/" in (tmp_path / "demo" / "feed.xml").read_text()


def test_regenerating_removes_old_articles(tmp_path):
    old = generate_site(tmp_path, 20, seed=1, now=NOW)
    new = generate_site(tmp_path, 5, seed=2, now=NOW)
    on_disk = {"/" + p.relative_to(tmp_path).as_posix() for p in (tmp_path / "news").rglob("*.html")}
    assert on_disk == {a.path for a in new.articles}
    assert not {a.path for a in old.articles} <= on_disk


def test_generate_2000_articles(tmp_path):
    started = time.perf_counter()
    site = generate_site(tmp_path, 2000, seed=1)
    elapsed = time.perf_counter() - started
    sizes = [(tmp_path / a.path.lstrip("/")).stat().st_size for a in site.articles]
    print(f"\ngenerated 2000 articles in {elapsed:.2f}s; pages {min(sizes)}-{max(sizes)} bytes")
    assert len(site.articles) == 2000 == len(list((tmp_path / "news").rglob("*.html")))
    assert 25_000 < min(sizes) and max(sizes) < 100_000


def test_cli_generate(tmp_path, capsys):
    assert cli_main(["generate", str(tmp_path), "--articles", "5"]) == 0
    assert "wrote 5 articles" in capsys.readouterr().out
    assert len(load_site(tmp_path).articles) == 5


# --- server ---------------------------------------------------------------------------------

def test_article_200_with_validators_then_304(served):
    site, server = served
    path = site.articles[0].path
    status, headers, body = fetch(server, path)
    assert status == 200 and body == (site.root / path.lstrip("/")).read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert fetch(server, path, headers={"If-None-Match": etag})[:1] == (304,)
    assert fetch(server, path, headers={"If-None-Match": etag})[2] == b""
    assert fetch(server, path, headers={"If-Modified-Since": modified})[0] == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110)
    assert fetch(server, path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    old = formatdate(time.time() - 86400 * 30, usegmt=True)
    assert fetch(server, path, headers={"If-Modified-Since": old})[0] == 200


def test_head_and_content_types(served):
    _, server = served
    status, headers, body = fetch(server, "/feed.xml", method="HEAD")
    assert (status, body) == (200, b"") and int(headers["Content-Length"]) > 1000
    expected = {"/feed.xml": "application/rss+xml", "/atom.xml": "application/atom+xml",
                "/sitemap.xml": "application/xml", "/robots.txt": "text/plain; charset=utf-8",
                "/": "text/html; charset=utf-8"}
    for path, kind in expected.items():
        status, headers, _ = fetch(server, path)
        assert (status, headers["Content-Type"]) == (200, kind), path


def test_missing_and_directories_are_404(served):
    _, server = served
    assert fetch(server, "/nope.html")[0] == 404
    assert fetch(server, "/news/")[0] == 404
    assert fetch(server, "/news/politics")[0] == 404


def test_path_traversal_refused(served, tmp_path):
    _, server = served
    (tmp_path / "secret.txt").write_text("top secret")
    for target in ("/../secret.txt", "/%2e%2e/secret.txt", "/news/../../secret.txt",
                   "/..%2fsecret.txt", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        status, data = raw_status(server, target)
        assert status in (403, 404), target
        assert b"top secret" not in data and b"root:" not in data


def test_validators_off(tmp_path):
    generate_site(tmp_path, 4, now=NOW)
    with DemoServer(tmp_path, validators=False) as server:
        path = load_site(tmp_path).articles[0].path
        status, headers, _ = fetch(server, path, headers={"If-None-Match": "*",
                                                            "If-Modified-Since": formatdate(usegmt=True)})
        assert status == 200 and "ETag" not in headers and "Last-Modified" not in headers


def test_set_route_status_body_headers(served):
    _, server = served
    server.set_route("/feed.xml", status=503, headers={"Retry-After": "120"})
    status, headers, body = fetch(server, "/feed.xml")
    assert (status, headers["Retry-After"]) == (503, "120") and b"503" in body
    server.set_route("/custom", body=b"hello", headers={"Content-Type": "text/plain"})
    assert fetch(server, "/custom")[::2] == (200, b"hello")
    server.clear_routes()
    assert fetch(server, "/feed.xml")[0] == 200 and fetch(server, "/custom")[0] == 404


def test_set_route_redirect(served):
    site, server = served
    target = site.articles[1].path
    server.set_route("/old-url.html", redirect=target)
    status, headers, _ = fetch(server, "/old-url.html")
    assert (status, headers["Location"]) == (301, target)
    server.set_route("/temp.html", redirect=target, status=302)
    assert fetch(server, "/temp.html")[0] == 302


def test_set_route_delay(served):
    site, server = served
    path = site.articles[2].path
    server.set_route(path, delay=0.4)
    started = time.perf_counter()
    status, _, body = fetch(server, path)
    assert status == 200 and len(body) > 10_000
    assert time.perf_counter() - started >= 0.4


def test_set_route_reset(served):
    _, server = served
    server.set_route("/index.html", reset=True)
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        fetch(server, "/index.html")
    assert fetch(server, "/about.html")[0] == 200


def test_request_log(served):
    site, server = served
    server.clear_requests()
    fetch(server, "/robots.txt", headers={"User-Agent": "newswatch-test"})
    fetch(server, "/missing.html", method="HEAD")
    log = list(server.requests)
    assert [(r.method, r.path, r.status) for r in log] == [("GET", "/robots.txt", 200), ("HEAD", "/missing.html", 404)]
    assert log[0].headers["User-Agent"] == "newswatch-test"
    assert log[0].bytes_sent == len((site.root / "robots.txt").read_bytes()) and log[1].bytes_sent == 0


# --- edits and chrome churn -----------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_edit_shows_up_in_conditional_get(served, kind):
    site, server = served
    article = site.articles[10]
    _, headers, before_page = fetch(server, article.path)
    (edit,) = edit_articles(site.root, [article.path], kind=kind, seed=4)
    assert edit.path == article.path and edit.kind == kind and edit.description
    status, new_headers, page = fetch(server, article.path, headers={"If-None-Match": headers["ETag"]})
    assert status == 200 and new_headers["ETag"] != headers["ETag"]
    assert fetch(server, article.path, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 200
    after = next(a for a in load_site(site.root).articles if a.path == article.path)
    text = page.decode()
    assert article_blocks(text) == list(after.paragraphs)
    assert after.modified > article.modified and after.edits == 1
    assert f'content="{after.modified}"' in text
    check_edit(edit, article, after, text)


def check_edit(edit, before, after, page: str) -> None:
    """The page and state differ from before exactly as the Edit says."""
    if edit.field == "title":
        assert (before.title, after.title) == (edit.before, edit.after) != (edit.after, edit.after)
        assert escape(edit.before) not in page
        assert page.count(escape(edit.after)) >= 6  # title, og:title, h1, breadcrumb, comments heading, JSON-LD...
        assert json.dumps(edit.after, ensure_ascii=False) in page
    elif edit.field == "author":
        assert (before.author, after.author) == (edit.before, edit.after)
        assert edit.before not in page and f">{edit.after}</a>" in page
        assert after.paragraphs == before.paragraphs
    else:
        old, new = list(before.paragraphs), list(after.paragraphs)
        assert (before.title, before.author) == (after.title, after.author)
        if edit.kind == "append":
            assert new == old + [edit.after] and edit.after.startswith("Update: ")
        elif edit.kind == "remove":
            assert edit.before in old and edit.before not in new and len(new) == len(old) - 1
            assert escape(edit.before) not in page
        else:
            changed = [i for i, (o, n) in enumerate(zip(old, new)) if o != n]
            assert len(old) == len(new) and len(changed) == 1
            assert (old[changed[0]], new[changed[0]]) == (edit.before, edit.after)
            assert escape(edit.before) not in page and escape(edit.after) in page


def test_edit_articles_mixed_cycles_through_kinds(served):
    site, server = served
    pages = {a.path: (site.root / a.path.lstrip("/")).read_bytes() for a in site.articles}
    etags = {a.path: fetch(server, a.path)[1]["ETag"] for a in site.articles[:12]}
    edits = edit_articles(site.root, count=7, seed=9)
    edited_paths = {e.path for e in edits}
    for article in site.articles:  # pages that were not edited stay byte-for-byte the same
        changed = (site.root / article.path.lstrip("/")).read_bytes() != pages[article.path]
        assert changed == (article.path in edited_paths), article.path
    for path, etag in etags.items():
        assert fetch(server, path, headers={"If-None-Match": etag})[0] == (200 if path in edited_paths else 304)
    assert [e.kind for e in edits] == list(KINDS)
    assert len({e.path for e in edits}) == 7
    edited = {a.path: a.edits for a in load_site(site.root).articles}
    assert all(edited[e.path] == 1 for e in edits)
    feed = (site.root / "feed.xml").read_text(encoding="utf-8")
    headline = edits[0]
    newest_paths = {a.path for a in sorted(site.articles, key=lambda a: a.published)[-20:]}
    if headline.path in newest_paths:
        assert escape(headline.after) in feed and escape(headline.before) not in feed


def test_edit_rejects_unknown_kind_and_path(served):
    site, _ = served
    with pytest.raises(ValueError):
        edit_articles(site.root, kind="rewrite-everything")
    with pytest.raises(KeyError):
        edit_articles(site.root, ["/news/none.html"])


def test_churn_changes_only_the_chrome(served):
    site, server = served
    before_state = state(site.root)
    pages = {a.path: (site.root / a.path.lstrip("/")).read_bytes() for a in site.articles}
    etag = fetch(server, site.articles[0].path)[1]["ETag"]
    churn_chrome(site.root)
    after_state = state(site.root)
    for old, new in zip(before_state["articles"], after_state["articles"]):
        for key in ("title", "author", "paragraphs", "standfirst", "published", "modified", "edits"):
            assert old[key] == new[key]
    for article in site.articles:
        page = (site.root / article.path.lstrip("/")).read_bytes()
        assert page != pages[article.path]
        assert article_blocks(page.decode()) == list(article.paragraphs)
        assert lxml.html.fromstring(page).xpath("string(//h1)") == article.title
    assert fetch(server, site.articles[0].path, headers={"If-None-Match": etag})[0] == 200


def test_render_article_chrome_depends_only_on_chrome_seed(served):
    site, _ = served
    article = state(site.root)["articles"][5]
    one, again, other = render_article(article, 1), render_article(article, 1), render_article(article, 2)
    assert one == again and one != other
    assert article_blocks(one) == article_blocks(other) == article["paragraphs"]
