"""Article URLs from feeds, sitemaps and section pages (pure functions over response bodies)."""
from __future__ import annotations

import re
import xml.sax
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from collections.abc import Iterable, Iterator
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.sources import Source
from crawler.urls import canonical_url
from db.fronts import Placement
from db.schema import parse_iso

# Without an article_pattern, a link on a section page counts as an article when its last
# path segment reads like a slug ("xi-visit-to-moscow-begins-new-era") or carries a long
# numeric id: section, tag, about and contact pages do not.
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}", re.IGNORECASE)
_NUMERIC_ID = re.compile(r"\d{5,}")

# ...nor are archive pages, whatever their last segment looks like: a site's tag, category,
# author, topic, search and pagination pages list articles, they are not articles
# ("/tag/topic-190000" carries a long number; one section page linked 190,000 of them).
# A path segment naming the kind of archive, in the languages of the sites we see most:
ARCHIVE_SEGMENTS = frozenset({
    # tags and topics
    "tag", "tags", "topic", "topics", "keyword", "keywords", "subject", "subjects",
    "schlagwort", "schlagworte", "stichwort", "thema", "themen",  # German
    "mot-cle", "mots-cles", "sujet", "sujets", "theme", "themes",  # French
    "etiqueta", "etiquetas", "tema", "temas", "argomento", "argomenti",  # Spanish, Portuguese, Italian
    # categories and sections
    "category", "categories", "section", "sections", "rubrik", "ressort",
    "categorie", "rubrique", "categoria", "categorias", "seccion", "secao", "sezione",
    # authors
    "author", "authors", "autor", "autoren", "auteur", "auteurs", "autores", "autore", "autori",
    # pagination and search
    "page", "pages", "seite", "pagina", "search", "suche", "recherche", "buscar", "busca", "cerca",
})
# Query parameters of pagination, search and archive listings (WordPress: ?s=, ?paged=, ?cat=;
# not ?p=, which is a WordPress article's own id).
ARCHIVE_PARAMS = frozenset({"page", "paged", "s", "q", "query", "search", "tag", "cat",
                            "category", "author", "topic", "seite", "pagina"})


# XML 1.0 §4.6 predefines five entities; any other reference needs a DTD, and newswatch resolves
# none (an external entity could read a local file or call a URL, an internal one could be a
# billion laughs). Parsers then drop the reference or cut the text there, so a link that needed
# one reads as another URL ("/a/&xxe;" as "/a/"): such references are marked before parsing
# (U+FFFD, the name, U+FFFD, written as character references), and a link holding a mark is
# dropped. CDATA sections, comments and the DTD hold no references; each alternative ends at
# its terminator or at the end of the text, so the scan is linear whatever the document.
_ENTITY_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z_:][-\w.:]*);")
_NO_REFERENCES = re.compile(rb"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)"
                            rb"|<!DOCTYPE[^\[>]*(?:\[.*?(?:\]|\Z))?[^>]*>?", re.DOTALL)
_MARKED = re.compile("\ufffd([A-Za-z_:][-\\w.:]*)\ufffd")


def mark_unresolved_entities(body: bytes) -> tuple[bytes, list[str]]:
    """`body` with every reference to an entity that will not be resolved marked, and their names."""
    if not _ENTITY_REFERENCE.search(body):
        return body, []
    names: list[str] = []

    def mark(match: re.Match) -> bytes:
        names.append(match.group(1).decode("ascii"))
        return b"&#xFFFD;" + match.group(1) + b"&#xFFFD;"

    pieces, start = [], 0
    for literal in _NO_REFERENCES.finditer(body):
        pieces += [_ENTITY_REFERENCE.sub(mark, body[start:literal.start()]), literal.group()]
        start = literal.end()
    pieces.append(_ENTITY_REFERENCE.sub(mark, body[start:]))
    return b"".join(pieces), list(dict.fromkeys(names))


def unresolved_link(link: str, problems: list[str] | None) -> bool:
    """Whether `link` needed an entity that was not resolved; if so, says so in `problems`."""
    names = _MARKED.findall(link)
    if names and problems is not None:
        shown = _MARKED.sub(lambda m: f"&{m.group(1)};", link)
        problems.append(f"link {shown[:160]} needs entity &{names[0]};, which is never resolved "
                        "(undefined or external): not fetched")
    return bool(names)


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

    feedparser never resolves a DTD's entities (tests/test_hostile.py): a billion-laughs
    or XXE feed fails its strict parse ("undefined entity") and is read leniently with the
    entity references left as text. Such a parse problem is appended to `problems`."""
    import feedparser  # here, not at the top: a re-check never reads a feed (~25 ms of start-up)

    body, unresolved = mark_unresolved_entities(body)
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if problems is not None and unresolved:
        problems.append("feed is not well-formed XML (undefined entity "
                        f"{', '.join(f'&{n};' for n in unresolved[:5])}; no DTD entity is resolved)")
    if problems is not None and not parsed.get("version") and not parsed.entries:
        # an HTML page, an error page or anything else feedparser recognises as no feed format
        problems.append("not an RSS or Atom feed (no <rss>, <feed> or <rdf:RDF> in it)")
    elif problems is not None and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException):
        problems.append(f"feed is not well-formed XML ({parsed.bozo_exception}); read leniently")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if link and not unresolved_link(link, problems):
            entries.append({"url": urljoin(base_url, link),
                            "updated": entry.get("updated") or entry.get("published")})
    return entries


def sitemap_entries(body: bytes, problems: list[str] | None = None) -> tuple[str, list[dict]]:
    """('sitemapindex' | 'urlset', [{'loc': …, 'lastmod': …}]). Entities are never resolved: a
    location that needed one is left out, and said so in `problems`."""
    from scrapy.utils.sitemap import Sitemap  # here: the rest of this module is Scrapy-free

    body, unresolved = mark_unresolved_entities(body)
    sitemap = Sitemap(body)
    if problems is not None and unresolved:
        problems.append("sitemap uses entities that are never resolved (undefined entity "
                        f"{', '.join(f'&{n};' for n in unresolved[:5])})")
    return sitemap.type, [e for e in sitemap if e.get("loc") and not unresolved_link(e["loc"], problems)]


def looks_like_article_link(url: str) -> bool:
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments or is_archive_link(parts):
        return False
    last = re.sub(r"\.(s?html?|php|aspx?)$", "", segments[-1], flags=re.IGNORECASE)
    return bool(_SLUG.fullmatch(last) or _NUMERIC_ID.search(last))


def is_archive_link(parts) -> bool:
    """A tag, category, author, topic, search or pagination page (`parts`: a urlsplit result)."""
    if any(s.lower() in ARCHIVE_SEGMENTS for s in parts.path.split("/")):
        return True
    return any(k.lower() in ARCHIVE_PARAMS for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def newest_first(entries: list[dict], key: str) -> list[dict]:
    """Feed or sitemap entries by their date `key`, newest first; undated ones after, in order."""
    moments = [parse_date(e.get(key)) for e in entries]
    order = sorted(range(len(entries)), key=lambda i: (moments[i] is None,
                                                       -moments[i].timestamp() if moments[i] else 0))
    return [entries[i] for i in order]  # sorted() is stable: ties and undated keep their order


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
