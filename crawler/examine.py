"""Examine a URL for `newswatch add`: an article page, or a site whose feeds, sitemaps, domains and
article pattern make a [[source]]. Scrapy-free (the CLI stays quick): urllib, Protego, lxml.

Politeness as in a crawl: the sources file's User-Agent, its download timeout, the crawl's size
cap, robots.txt honoured (Protego, the parser Scrapy uses), and every request on the URL's site
(its host or the host's www / non-www twin), redirects followed only there.
"""
from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.defaults import DEFAULT_REQUEST_HEADERS, DOWNLOAD_MAXSIZE
from crawler.discovery import canonical, looks_like_article_link

FEED_PATHS = ("/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml")
SITEMAP_PATHS = ("/sitemap.xml", "/news-sitemap.xml", "/sitemap_news.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml")
ARTICLE_TYPES = re.compile(r"^(News|Report|Analysis|Opinion|Review|Blog)?(Article|Posting)$|"
                           r"^BlogPosting$|^LiveBlogPosting$")
MIN_ARTICLE_WORDS = 150  # a body this long with a headline reads as an article, not a stub
PATTERN_SHARE = 0.6  # an inferred pattern must cover this share of the article links found
SITEMAP_CHILDREN = 5  # children of a sitemap index looked at for a news sitemap


class NothingUseful(Exception):
    """The URL answered nothing a source or an article can be made of; one line says what was tried."""

    def __init__(self, url: str, why: str, tried: list[str]):
        super().__init__(f"{url} answered nothing useful: {why} (tried {', '.join(tried)})")


@dataclass
class Answer:
    url: str  # after on-site redirects
    status: int
    content_type: str
    body: bytes


@dataclass
class Examination:
    """What `add` found: kind 'article' or 'site', and for a site the [[source]] it proposes."""

    url: str
    kind: str
    why: str  # how the kind was told ("og:type article", "JSON-LD NewsArticle", …)
    site_name: str | None = None
    title: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    news_sitemaps: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    article_links: int = 0
    pattern: str | None = None
    pattern_why: str | None = None


def same_site(host: str, other: str) -> bool:
    """One site: the same host, or its www / non-www twin."""
    strip = lambda h: (h or "").lower().removeprefix("www.")  # noqa: E731
    return strip(host) == strip(other)


class _OnSiteRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, host: str):
        self.host = host

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        parts = urlsplit(newurl)
        if parts.scheme not in ("http", "https") or not same_site(parts.hostname or "", self.host):
            raise urllib.error.HTTPError(newurl, code, f"redirect off the site to {newurl}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class SiteClient:
    """GETs on one site, robots.txt honoured; records what it tried for the error line."""

    def __init__(self, url: str, user_agent: str, timeout: float, maxsize: int = DOWNLOAD_MAXSIZE):
        parts = urlsplit(url)
        self.origin, self.host = f"{parts.scheme}://{parts.netloc}", parts.hostname or ""
        self.user_agent, self.timeout, self.maxsize = user_agent, timeout, maxsize
        self.opener = urllib.request.build_opener(_OnSiteRedirects(self.host))
        self.robots = None
        self.failures: list[str] = []  # the first reason each time nothing useful came back
        self.down = False  # timed out once: the rest would time out too

    def read_robots(self) -> list[str]:
        """Fetch /robots.txt (none: everything allowed, as in Scrapy); its Sitemap: lines."""
        from protego import Protego

        answer = self.get(f"{self.origin}/robots.txt", check_robots=False)
        if answer is None or answer.status != 200:
            return []
        self.robots = Protego.parse(answer.body.decode("utf-8", errors="ignore"))
        return list(self.robots.sitemaps)

    def allowed(self, url: str) -> bool:
        return self.robots is None or self.robots.can_fetch(url, self.user_agent)

    def get(self, url: str, *, check_robots: bool = True) -> Answer | None:
        """The answer (any status), or None when nothing came back; the reason is kept."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not same_site(parts.hostname or "", self.host):
            return None
        if check_robots and not self.allowed(url):
            self.failures.append("robots.txt disallows it")
            return None
        if self.down:
            return None
        headers = dict(DEFAULT_REQUEST_HEADERS, **{"User-Agent": self.user_agent})
        try:
            with self.opener.open(urllib.request.Request(url, headers=headers),
                                  timeout=self.timeout) as response:
                return self._answer(response.geturl(), response.status, response)
        except urllib.error.HTTPError as exc:
            if exc.fp is None or "off the site" in str(exc.msg):
                self.failures.append(str(exc.msg))
                return None
            self.failures.append(f"HTTP {exc.code}")
            return self._answer(exc.geturl() or url, exc.code, exc)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self.failures.append(_reason(exc))
            self.down = self.down or isinstance(getattr(exc, "reason", exc), (socket.timeout, TimeoutError))
            return None

    def _answer(self, url: str, status: int, response) -> Answer | None:
        body = response.read(self.maxsize + 1)
        if len(body) > self.maxsize:
            self.failures.append(f"over {self.maxsize} bytes")
            return None
        return Answer(url, status, (response.headers.get("Content-Type") or "").lower(), body)


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return "DNS lookup failed"
    return " ".join(str(reason).split()) or type(reason).__name__


def examine(url: str, *, user_agent: str, timeout: float, kind: str | None = None) -> Examination:
    """Fetch `url` (and, for a site, its feeds and sitemaps) and say what it is."""
    client = SiteClient(url, user_agent, timeout)
    robots_sitemaps = client.read_robots()
    before = len(client.failures)
    page = client.get(url)
    html = page is not None and page.status == 200 and "html" in page.content_type
    if page is not None and page.status == 200 and not html:
        client.failures.insert(0, f"not an HTML page (Content-Type {page.content_type or 'none'})")
    elif len(client.failures) > before:  # the page's own failure comes first in the error line
        client.failures.insert(0, client.failures.pop(before))
    tree = _parse_html(page.body) if html else None
    if tree is not None and kind != "site":
        found = _article_signal(tree, page)
        if kind == "article" or found:
            return _article(page, tree, found or "--article")
    if kind == "article":
        raise NothingUseful(url, _first(client), ["the page", "/robots.txt"])
    return _site(url, client, page if tree is not None else None, tree, robots_sitemaps)


def _first(client: SiteClient) -> str:
    return client.failures[0] if client.failures else "no answer"


def _parse_html(body: bytes):
    from lxml import etree

    try:
        return etree.fromstring(body, etree.HTMLParser(no_network=True, remove_comments=True))
    except (etree.LxmlError, ValueError):
        return None


def _meta(tree, name: str) -> str | None:
    for el in tree.iter("meta"):
        if name in ((el.get("property") or "") + " " + (el.get("name") or "")).lower().split():
            return (el.get("content") or "").strip() or None
    return None


def _jsonld_types(tree) -> list[str]:
    types: list[str] = []

    def walk(value) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            kinds = value.get("@type")
            types.extend(k for k in (kinds if isinstance(kinds, list) else [kinds]) if isinstance(k, str))
            walk(value.get("@graph"))

    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            try:
                walk(json.loads(script.text.strip().rstrip(";")))
            except ValueError:
                continue
    return types


def _article_signal(tree, page: Answer) -> str | None:
    """Why the page is an article: its og:type, its JSON-LD type, or the cleaner's reading."""
    og_type = (_meta(tree, "og:type") or "").lower()
    if og_type == "article":
        return "og:type article"
    found = next((t for t in _jsonld_types(tree) if ARTICLE_TYPES.match(t)), None)
    if found:
        return f"JSON-LD {found}"
    if og_type or not looks_like_article_link(page.url):
        return None  # og:type website, or a home/section-like URL: a site
    from crawler.cleaner import clean

    article = clean(page.body, page.url)
    words = len(article.body.split())
    if article.title and words >= MIN_ARTICLE_WORDS:
        return f"a headline and {words} words of text"
    return None


def _article(page: Answer, tree, why: str) -> Examination:
    title = _meta(tree, "og:title") or next((" ".join(t.itertext()).strip() for t in tree.iter("title")), None)
    return Examination(url=canonical(page.url), kind="article", why=why,
                       site_name=_meta(tree, "og:site_name"), title=title or None)


def _site(url: str, client: SiteClient, page: Answer | None, tree, robots_sitemaps: list[str]) -> Examination:
    base = page.url if page is not None else url
    links = _links(tree, base) if tree is not None else []
    feeds = _feeds(client, _feed_links(tree, base) if tree is not None else [])
    entries = [u for f in feeds for u in f[1]]
    sitemaps, news, locs = _sitemaps(client, robots_sitemaps)
    tried = ["the page", "/robots.txt", f"{len(FEED_PATHS)} feed paths", f"{len(SITEMAP_PATHS)} sitemap paths"]
    if page is None and not feeds and not sitemaps:
        raise NothingUseful(url, _first(client), tried)
    found = Examination(url=canonical(base), kind="site", why="a home or section page",
                        site_name=_meta(tree, "og:site_name") if tree is not None else None,
                        feeds=[f[0] for f in feeds], sitemaps=news + [s for s in sitemaps if s not in news],
                        news_sitemaps=news, start_urls=[canonical(base)] if page is not None else [])
    articles = [u for u in dict.fromkeys(map(canonical, links + entries + locs))
                if same_site(urlsplit(u).hostname or "", client.host) and looks_like_article_link(u)]
    found.article_links = len(articles)
    found.pattern, found.pattern_why = infer_pattern(articles)
    hosts = [urlsplit(u).hostname or "" for u in [base, *found.feeds, *found.sitemaps, *articles]]
    found.allowed_domains = sorted({h.lower().removeprefix("www.") for h in hosts if h})
    return found


def _links(tree, base: str) -> list[str]:
    return [urljoin(base, a.get("href")) for a in tree.iter("a") if a.get("href")]


def _feed_links(tree, base: str) -> list[str]:
    return [urljoin(base, el.get("href")) for el in tree.iter("link")
            if "alternate" in (el.get("rel") or "").lower().split()
            and (el.get("type") or "").lower() in FEED_TYPES and el.get("href")]


def _feeds(client: SiteClient, linked: list[str]) -> list[tuple[str, list[str]]]:
    """(feed URL, its entries' links) for each URL that answers a real RSS or Atom feed."""
    from crawler.discovery import feed_entries

    found, seen = [], set()
    for url in [*linked, *(client.origin + p for p in FEED_PATHS)]:
        answer = client.get(url) if canonical(url) not in seen else None
        seen.add(canonical(url))
        if answer is None or answer.status != 200 or answer.body.lstrip()[:1] != b"<":
            continue
        entries = feed_entries(answer.body, answer.url)
        if entries and canonical(answer.url) not in {canonical(f) for f, _ in found}:
            found.append((canonical(answer.url), [e["url"] for e in entries]))
    return found


def _sitemaps(client: SiteClient, from_robots: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(sitemaps that answer, news sitemaps among them or their index's children, article locs)."""
    sitemaps, news, locs, seen = [], [], [], set()
    queue = [*from_robots, *(client.origin + p for p in SITEMAP_PATHS)]
    for url in queue:
        if canonical(url) in seen:
            continue
        seen.add(canonical(url))
        answer = client.get(url)
        parsed = parse_sitemap(answer.body) if answer is not None and answer.status == 200 else None
        if parsed is None:
            continue
        kind, entries, is_news = parsed
        if url in from_robots or (url.startswith(client.origin) and urlsplit(url).path in SITEMAP_PATHS):
            sitemaps.append(canonical(answer.url))
        if kind == "sitemapindex":  # its first children: is one of them a news sitemap?
            queue += [u for u in entries[:SITEMAP_CHILDREN] if canonical(u) not in seen]
        else:
            locs += entries
        if is_news and canonical(answer.url) not in news:
            news.append(canonical(answer.url))
    return sitemaps, news, locs


def parse_sitemap(body: bytes) -> tuple[str, list[str], bool] | None:
    """('urlset' | 'sitemapindex', locs, has news:news entries), or None: not a sitemap. The
    parser resolves no entities and fetches nothing (like Scrapy's Sitemap)."""
    from lxml import etree

    if body[:2] == b"\x1f\x8b":
        import gzip
        try:
            body = gzip.decompress(body)[:DOWNLOAD_MAXSIZE]
        except OSError:
            return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body.strip(), parser)
    except (etree.LxmlError, ValueError):
        return None
    if root is None:
        return None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None
    locs = [el.text.strip() for el in root.iter("{*}loc") if el.text and el.text.strip()]
    is_news = any(etree.QName(el).localname == "news" for el in root.iter("{*}news"))
    return kind, locs, is_news


_DATE_PATH = re.compile(r"/(19|20)\d{2}/[01]\d/")


def infer_pattern(urls: list[str]) -> tuple[str | None, str | None]:
    """An article_pattern covering most article links: their common first path segment, else a
    /YYYY/MM/ date; with the share it covers. None when no pattern covers PATTERN_SHARE of them."""
    if not urls:
        return None, None
    firsts = Counter(p[0] for p in (_segments(u) for u in urls) if len(p) > 1)
    if firsts:
        segment, count = firsts.most_common(1)[0]
        if count >= PATTERN_SHARE * len(urls):
            return f"/{segment}/", f"{count} of the {len(urls)} article links found start with /{segment}/"
    dated = sum(1 for u in urls if _DATE_PATH.search(urlsplit(u).path))
    if dated >= PATTERN_SHARE * len(urls):
        return r"/\d{4}/\d{2}/", f"{dated} of the {len(urls)} article links found have a /YYYY/MM/ date"
    return None, None


def _segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def site_slug(text: str) -> str:
    """A source name from a host or a site name: 'www.example-news.com' -> 'example-news-com'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().removeprefix("www.")).strip("-") or "site"


def source_name_for(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return site_slug(host if parts.port in (None, default) else f"{host}-{parts.port}")


def article_source(url: str, name: str) -> dict:
    """An articles-only [[source]]: its domain, nothing to discover from."""
    return {"name": name, "allowed_domains": [(urlsplit(url).hostname or "").lower().removeprefix("www.")]}


def proposal(found: Examination, name: str) -> tuple[dict, list[str]]:
    """The [[source]] keys for a site, and the comment lines that show the inferred pattern."""
    values: dict = {"name": name}
    for key in ("feeds", "sitemaps", "start_urls", "allowed_domains"):
        if getattr(found, key):
            values[key] = list(getattr(found, key))
    comments = []
    if found.pattern:
        comments = [f"{found.pattern_why}; to keep only such links, remove the '# ' below:",
                    f"article_pattern = '{found.pattern}'"]
    return values, comments
