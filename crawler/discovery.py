"""Article URLs from feeds, sitemaps and section pages (pure functions over response bodies)."""
from __future__ import annotations

import re
import xml.sax
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from scrapy.utils.sitemap import Sitemap

from crawler.sources import Source
from crawler.urls import canonical_url
from db.fronts import Placement
from db.schema import parse_iso

# Without an article_pattern, a link on a section page counts as an article when its last
# path segment reads like a slug ("xi-visit-to-moscow-begins-new-era") or carries a long
# numeric id: section, tag, about and contact pages do not.
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}", re.IGNORECASE)
_NUMERIC_ID = re.compile(r"\d{5,}")


def canonical(url: str) -> str:
    """The URL we key an article on (see crawler.urls)."""
    return canonical_url(url)


def parse_date(text: str | None) -> datetime | None:
    """A feed or sitemap date (RFC 822 or W3C/ISO 8601) as an aware datetime; None if unreadable."""
    if not text:
        return None
    moment = parse_iso(text.strip())
    if moment is not None:
        return moment
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def feed_entries(body: bytes, base_url: str, problems: list[str] | None = None) -> list[dict]:
    """Entries of an RSS or Atom feed: link, and the updated/published time when present.

    feedparser never resolves a DTD's entities (issue 10, tests/test_hostile.py): a billion-laughs
    or XXE feed fails its strict parse ("undefined entity") and is read leniently with the
    entity references left as text. Such a parse problem is appended to `problems`."""
    import feedparser  # here, not at the top: a re-check never reads a feed (~25 ms of start-up)

    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if problems is not None and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException):
        problems.append(f"feed is not well-formed XML ({parsed.bozo_exception}); read leniently")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if link:
            entries.append({"url": urljoin(base_url, link),
                            "updated": entry.get("updated") or entry.get("published")})
    return entries


def sitemap_entries(body: bytes) -> tuple[str, list[dict]]:
    """('sitemapindex' | 'urlset', [{'loc': …, 'lastmod': …}]). Entities are never resolved."""
    sitemap = Sitemap(body)
    return sitemap.type, [e for e in sitemap if e.get("loc")]


def looks_like_article_link(url: str) -> bool:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return False
    last = re.sub(r"\.(s?html?|php|aspx?)$", "", segments[-1], flags=re.IGNORECASE)
    return bool(_SLUG.fullmatch(last) or _NUMERIC_ID.search(last))


def section_links(links: Iterable[str], source: Source) -> Iterator[str]:
    """Article links from a section page, by the source's pattern or the slug heuristic."""
    for url in links:
        url = canonical(url)
        if source.is_article_url(url) and (source.article_pattern or looks_like_article_link(url)):
            yield url


# Headings that title a group of links on a front ("World", "Most read"); a heading that is
# itself a story's link is that story's headline, not a section.
_SECTION_HEADINGS = ("h1", "h2", "h3", "h4")
MAX_LINK_TEXT = 300


def front_placements(html: str, base_url: str, source: Source) -> list[Placement]:
    """The article links of a front page in document order: rank (1 = first article linked),
    the section heading above it, and its link text (the first link to it that has words)."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    found: dict[str, list] = {}  # url -> [rank, text, section]
    section = None
    for el in root.iter(*_SECTION_HEADINGS, "a"):
        if el.tag != "a":
            if not any(_article_href(a, base_url, source) for a in el.iter("a")):
                section = " ".join(el.text_content().split())[:MAX_LINK_TEXT] or section
            continue
        url = _article_href(el, base_url, source)
        if url is None:
            continue
        text = " ".join(el.text_content().split())[:MAX_LINK_TEXT]
        entry = found.setdefault(url, [len(found) + 1, "", section])
        if not entry[1] and text:
            entry[1] = text
    return [Placement(url, rank, text, sec) for url, (rank, text, sec) in found.items() if text]


def _article_href(a, base_url: str, source: Source) -> str | None:
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    return next(iter(section_links([urljoin(base_url, href)], source)), None)
