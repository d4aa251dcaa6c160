"""Article metadata: JSON-LD, OpenGraph/<meta>, <time>, visible headline, byline and dates."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .dates import parse_date, plausible_date, visible_date
from .text import block_lines, element_text, normalize_line
from .prune import class_tokens
from .vocabulary import (
    BYLINE_PREFIXES, BYLINE_RE, FURNITURE_RE, INTERFACE_WORDS, JOB_TITLE_WORDS, LINK_BUTTON_TEXTS, MENU_RUN_MIN,
)

# schema.org types that describe the article itself (not the page, site or breadcrumb).
_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Posting|Report|NewsArticle|Story|Review)$", re.I)

# XHTML-style wrappers around script bodies: "<![CDATA[", "//<![CDATA[", "]]>".
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")

# Separators sites put between the headline and their name in <title>.
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—»·:/\\>]|::)\s+")


@dataclass
class PageMeta:
    """Structured data read once from the page head and JSON-LD."""

    meta: dict[str, str] = field(default_factory=dict)  # lowercased property/name -> content
    jsonld: dict[str, Any] = field(default_factory=dict)  # the article object, if any
    title_tag: str = ""
    canonical: str | None = None
    language: str | None = None
    site_keys: frozenset[str] = frozenset()  # the site's name and host, squashed ("theage", "bbcnews")
    host: str = ""  # the page's host without "www." (from the URL, else the canonical link)


def _iter_jsonld_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _iter_jsonld_objects(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _iter_jsonld_objects(value["@graph"])


def _is_article(obj: dict[str, Any]) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and _ARTICLE_TYPE.search(t) for t in types)


def read_jsonld(tree: etree._Element) -> dict[str, Any]:
    """The first Article-like JSON-LD object on the page (empty dict if none parses)."""
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        raw = _CDATA.sub("", script.text).strip().rstrip(";")
        try:
            data = json.loads(raw)
        except ValueError:
            continue  # broken JSON-LD is common; the visible page still has the facts
        for obj in _iter_jsonld_objects(data):
            if _is_article(obj):
                return obj
    return {}


def read_meta(tree: etree._Element) -> dict[str, str]:
    """<meta> values keyed by lowercased property/name/itemprop; the first occurrence wins."""
    values: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop"):
            for key in (el.get(attr) or "").lower().split():
                values.setdefault(key, normalize_line(content))
    return values


def read_page_meta(tree: etree._Element, url: str | None) -> PageMeta:
    """Collect head metadata before any pruning touches the tree."""
    meta = read_meta(tree)
    title_el = next(tree.iter("title"), None)
    title_tag = normalize_line(element_text(title_el)) if title_el is not None else ""
    jsonld = read_jsonld(tree)
    canonical = _canonical(tree, meta, url)
    return PageMeta(meta=meta, jsonld=jsonld, title_tag=title_tag, canonical=canonical,
                    language=_language(tree, meta), site_keys=_site_keys(meta, jsonld, canonical or url),
                    host=site_host(url or canonical))


# Host labels that say nothing about the site's name.
_HOST_NOISE = frozenset({"www", "m", "mobile", "amp", "news", "edition", "en", "com", "co", "org", "net", "uk",
                         "au", "ca", "in", "de", "fr", "es", "it", "nl", "gov", "ac", "int", "info", "biz", "tv"})


def _squash(text: str) -> str:
    return re.sub(r"\W+|_", "", text).casefold()


def _site_keys(meta: dict[str, str], jsonld: dict[str, Any], url: str | None) -> frozenset[str]:
    """The site's own name, from og:site_name / application-name / JSON-LD publisher and its host."""
    publisher = jsonld.get("publisher")
    names = [meta.get("og:site_name"), meta.get("application-name"), (meta.get("twitter:site") or "").lstrip("@"),
             publisher.get("name") if isinstance(publisher, dict) else None]
    names += [label for label in site_host(url).split(".") if label not in _HOST_NOISE]
    return frozenset(k for k in (_squash(n) for n in names if isinstance(n, str)) if len(k) >= 3)


def site_host(url: str | None) -> str:
    """The host a URL names, lowercased and without "www." ("" when there is none)."""
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def is_site_name(part: str, site_keys: frozenset[str]) -> bool:
    """A <title> part naming the site: "The Age", "BBC NEWS", "CNN.com", "Earthtimes.org"."""
    key = _squash(part)
    if len(key) < 3 or len(part.split()) > 6:
        return False
    return any(key == k or key.startswith(k) or (k.startswith(key) and len(key) >= 0.6 * len(k)) for k in site_keys)


def _canonical(tree: etree._Element, meta: dict[str, str], url: str | None) -> str | None:
    href = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href").strip()
            break
    href = href or meta.get("og:url")
    if not href:
        return None
    absolute = urljoin(url, href) if url else href
    return absolute if absolute.startswith(("http://", "https://")) else None


def _language(tree: etree._Element, meta: dict[str, str]) -> str | None:
    root = tree.getroottree().getroot()
    raw = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    raw = raw or meta.get("content-language") or meta.get("og:locale") or meta.get("language")
    if not raw or not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", raw.strip()):
        return None
    parts = raw.strip().replace("_", "-").split("-")
    return "-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p for p in parts[1:]])


# ---------------------------------------------------------------- title

def title_candidates(pm: PageMeta) -> list[str]:
    """Headline strings from metadata, best first, each without a part that names the site,
    and <title> without the site name."""
    found = [pm.jsonld.get("headline")] + [pm.meta.get(k) for k in (
        "dc:title", "dc.title", "dcterm:title", "dcterms.title", "og:title", "twitter:title", "title",
        "parsely-title")]
    found = [without_site_name(t, pm.site_keys) if isinstance(t, str) else t for t in found]
    found.append(strip_site_name(pm.title_tag, pm.site_keys))
    found.append(pm.title_tag)
    return [normalize_line(str(t)) for t in found
            if isinstance(t, str) and normalize_line(t) and not is_site_name(t, pm.site_keys)]


def without_site_name(title: str, site_keys: frozenset[str]) -> str:
    """'Site Name - Headline' or 'Headline | Section | Site' -> the parts that do not name the site."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2 or not site_keys:
        return title
    while len(parts) > 1 and is_site_name(parts[0], site_keys):
        parts = parts[1:]
    while len(parts) > 1 and is_site_name(parts[-1], site_keys):
        parts = parts[:-1]
    if len(parts) == len(_TITLE_SEPARATORS.split(title)):
        return title
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end] if 0 <= start < end else title


def strip_site_name(title: str, site_keys: frozenset[str] = frozenset()) -> str:
    """'Headline | Site' -> 'Headline': the parts naming the site when the page says its name,
    else Readability's rule (drop the last part; if that leaves under 3 words drop the first
    part instead; if 4 words or fewer remain keep the whole)."""
    known = without_site_name(title, site_keys)
    if known != title:
        return known
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    head = title[:separators[-1].start()]
    stripped = head if len(head.split()) >= 3 else title[separators[0].end():]
    return stripped if len(stripped.split()) > 4 else title


def _comparable(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().casefold()


def _overlaps(a: str, b: str) -> bool:
    """One headline string contains the other and is at least half as long."""
    short, long_ = sorted((a, b), key=len)
    return len(short) > 10 and short in long_ and len(short) >= 0.5 * len(long_)


def _headline_parts(candidates: list[str], site_keys: frozenset[str] = frozenset()) -> list[str]:
    """Pieces of "Headline | Section | Site" titles, minus the site name (the last one unless
    another piece names the site)."""
    parts: list[str] = []
    for candidate in candidates:
        pieces = [p for p in _TITLE_SEPARATORS.split(candidate) if _comparable(p)]
        named = [p for p in pieces if not is_site_name(p, site_keys)]
        parts += named if 0 < len(named) < len(pieces) else pieces[:-1] if len(pieces) > 1 else []
    return parts


def visible_title(body: etree._Element, candidates: list[str],
                  site_keys: frozenset[str] = frozenset()) -> tuple[str, etree._Element | None]:
    """The on-page headline agreeing with metadata: an <h1>, else an element showing that text."""
    exact = {_comparable(c) for c in candidates if _comparable(c) and not is_site_name(c, site_keys)}
    wanted = exact | {_comparable(p) for p in _headline_parts(candidates, site_keys)}
    for h in body.iter("h1"):
        text = heading_text(h)
        key = _comparable(text)
        if key and (key in wanted or any(_overlaps(key, w) for w in wanted)):
            return text, h
    for el in body.iter("h2", "h3", "strong", "b", "span", "div", "p", "a"):
        if el.text and len(el) == 0 and _comparable(el.text) in exact:  # whole titles only: "Firefox" is not one
            return normalize_line(el.text), el
    return "", None


def lone_headline(body: etree._Element, strict: bool = False) -> tuple[str, etree._Element | None]:
    """The page's own <h1> after pruning, if it is not just a link (site logos are linked h1s).

    strict: only when it is the one such <h1> and reads like a headline (3+ words, or 12+
    characters in scripts without spaces) - then it beats metadata that disagrees with it.
    """
    found = []
    for h in body.iter("h1"):
        text = heading_text(h)
        links = "".join(element_text(a) for a in h.iter("a"))
        if _comparable(text) and len(normalize_line(links)) < len(text):
            found.append((text, h))
    if not found or (strict and (len(found) > 1 or not _headline_like(found[0][0]))):
        return "", None
    return found[0]


def heading_text(el: etree._Element) -> str:
    """A heading on one line; a <br> inside it becomes a space, not nothing."""
    return " ".join(block_lines(el))


def _headline_like(text: str) -> bool:
    return len(text.split()) >= 3 or (not text.isascii() and len(text) >= 12)


# ---------------------------------------------------------------- byline

_PARENS = re.compile(r"\([^()]*\)")  # "(avec Damien Leloup)", "(reporting)"
_HANDLE = re.compile(r"@\w+")  # social handles glued to names ("Jane Doe@janedoe")
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|และ|\|)\s*", re.I)
# Latin-script prefixes need a space or colon after them ("Byström" is a name); CJK and
# Thai ones are written straight before the name.
_PREFIX = re.compile(
    r"^(?:(?:%s)(?:\s*[:：]\s*|\s+)|(?:%s)\s*[:：/]?\s*)" % (
        "|".join(re.escape(p) for p in BYLINE_PREFIXES if p.isascii()),
        "|".join(re.escape(p) for p in BYLINE_PREFIXES if not p.isascii())), re.I)


def clean_names(raw: str, strict: bool = True) -> tuple[str, ...]:
    """'By Jane Doe, environment correspondent' -> ('Jane Doe',).

    strict (visible text): only capitalised name-like parts survive. Metadata is already
    a name field, so organisation names like "Contributors to Wikimedia projects" pass.
    """
    text = _PARENS.sub(" ", _HANDLE.sub("", normalize_line(raw)))
    text = _PREFIX.sub("", text).strip()
    names: list[str] = []
    for part in _SPLIT_NAMES.split(text):
        part = _PREFIX.sub("", part.strip(" .:：-–—·")).strip(" .:：-–—·")
        words = part.split()
        if not part or len(words) > 5 or any(c.isdigit() for c in part):
            continue
        if any(w.lower().strip(".,") in JOB_TITLE_WORDS for w in words) or part.startswith("http"):
            continue
        if strict and not _looks_like_name(words):
            continue
        if part not in names:
            names.append(part)
    return tuple(names)


# Lower-case particles inside names ("Michiel de Jong", "Ludwig van Beethoven").
_NAME_PARTICLES = frozenset({"de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von", "der",
                             "den", "le", "la", "bin", "ibn", "al", "el", "y", "e", "ter", "zu"})


def _looks_like_name(words: list[str]) -> bool:
    """Capitalised words (or a script without case): "other outlets" is not a name, and neither is
    a control's label ("Continue Article", "Pay Now", "E-MAIL") that sits in a byline element."""
    keys = [w.lower().strip(".,:!") for w in words]
    if " ".join(keys) in LINK_BUTTON_TEXTS or any(k in INTERFACE_WORDS for k in keys):
        return False
    for word in words:
        first = next((c for c in word if c.isalpha()), "")
        if first and first.islower() and word.lower() not in _NAME_PARTICLES:
            return False
    return True


def _classes(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def _names_inside(el: etree._Element) -> tuple[str, ...]:
    """Names from the most specific markup inside a byline element."""
    for xpath in (".//*[@itemprop='name']", ".//a[@rel='author']", ".//a[contains(@href, '/author/')]",
                  ".//*[contains(concat(' ', @class, ' '), ' fn ')]"):
        hits = el.xpath(xpath)
        names = tuple(n for h in hits for n in clean_names(element_text(h)))
        if names:
            return names
    return clean_names(element_text(el))


def visible_byline(body: etree._Element, headline: etree._Element | None = None,
                   known: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Names from the byline element nearest after the headline (else the last one before it).

    When metadata names some of the same people, names it does not know are dropped:
    they are usually job titles or desks that survived the name filter ("ACLU Speech").
    """
    before: tuple[str, ...] = ()
    seen_headline = headline is None
    for el in body.iter():
        if el is headline:
            seen_headline = True
        if not isinstance(el.tag, str) or not _is_byline_element(el):
            continue
        names = _names_inside(el)
        if names and seen_headline:
            return _agree(names, known)
        before = names or before
    return _agree(before, known)


def _is_byline_element(el: etree._Element) -> bool:
    marked = el.get("itemprop") == "author" or el.get("rel") == "author" or BYLINE_RE.search(_classes(el))
    return bool(marked) and len(" ".join(element_text(el).split())) <= 200 and not _in_menu(el)


def _in_menu(el: etree._Element) -> bool:
    """Inside <nav>, or an item of a list whose items are each one link: a menu's tab named
    "reporter" (a section of the site), not the story's byline."""
    for ancestor in (el, *el.iterancestors()):
        if ancestor.tag == "nav":
            return True
        if ancestor.tag == "li":
            parent = ancestor.getparent()
            items = [] if parent is None else [li for li in parent if li.tag == "li"]
            return len(items) >= MENU_RUN_MIN and all(map(_one_link, items))
    return False


def _one_link(li: etree._Element) -> bool:
    links = li.findall(".//a")
    return len(links) == 1 and len(element_text(links[0]).strip()) >= len(element_text(li).strip()) > 0


def _agree(names: tuple[str, ...], known: tuple[str, ...]) -> tuple[str, ...]:
    keys = {k.casefold() for k in known}
    shared = tuple(n for n in names if n.casefold() in keys)
    return shared or names


def metadata_byline(pm: PageMeta) -> tuple[str, ...]:
    """Author names from JSON-LD, then <meta name=author>."""
    author = pm.jsonld.get("author")
    items = author if isinstance(author, list) else [author]
    names: list[str] = []
    for item in items:
        raw = item.get("name") if isinstance(item, dict) else item
        if isinstance(raw, str):
            names += [n for n in clean_names(raw, strict=False) if n not in names]
    if not names:  # Readability's precedence: Dublin Core first, then the plain author tags
        for key in ("dc:creator", "dc.creator", "dcterm:creator", "dcterms.creator", "author",
                    "parsely-author", "sailthru.author", "article:author"):
            value = pm.meta.get(key)
            if value and not value.startswith("http"):
                return clean_names(value, strict=False)
    return tuple(names)


# ---------------------------------------------------------------- dates

_PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "date",
                   "pubdate", "publishdate", "publish-date", "dc.date.issued", "dc.date",
                   "dcterms.created", "parsely-pub-date", "sailthru.date", "cxenseparse:recs:publishtime")
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")


def _time_elements(body: etree._Element, prop: str) -> Iterator[str]:
    for el in body.iter("time"):
        value = el.get("datetime") or el.get("content")
        if not value:
            continue
        if prop == "published" and (el.get("itemprop") or "").lower() in ("datepublished", ""):
            yield value
        elif prop == "modified" and (el.get("itemprop") or "").lower() == "datemodified":
            yield value


def find_dates(pm: PageMeta, body: etree._Element, language: str | None) -> tuple[str | None, str | None]:
    """(published, modified) as ISO 8601; metadata first, then <time>, then visible text."""
    published = _first_date([pm.jsonld.get("datePublished"), pm.jsonld.get("dateCreated")]
                            + [pm.meta.get(k) for k in _PUBLISHED_META]
                            + list(_time_elements(body, "published")))
    for text in ([] if published else _dateline_texts(body)):
        published = plausible_date(visible_date(text, language))
        if published:
            break
    modified = _first_date([pm.jsonld.get("dateModified")] + [pm.meta.get(k) for k in _MODIFIED_META]
                           + list(_time_elements(body, "modified")))
    return published, modified


def _dateline_texts(body: etree._Element) -> Iterator[str]:
    """Short texts of elements that look like a dateline (class date/time/meta, <time>)."""
    for el in body.iter():
        if isinstance(el.tag, str) and (el.tag == "time" or FURNITURE_RE.search(class_tokens(el))):
            text = normalize_line(element_text(el))
            if 6 <= len(text) <= 200:
                yield text


def _first_date(values: list[Any]) -> str | None:
    for value in values:
        if isinstance(value, str):
            parsed = plausible_date(parse_date(value))  # a 0001-01-01 placeholder: try the next
            if parsed:
                return parsed
    return None


def page_signals(pm: PageMeta) -> dict[str, Any]:
    """The page's own word on what it is: its <title>, a robots `noindex`, and whether its
    JSON-LD says it is free to read (`isAccessibleForFree`, schema.org's paywall marker)."""
    robots = f"{pm.meta.get('robots', '')} {pm.meta.get('googlebot', '')}".lower()
    free = pm.jsonld.get("isAccessibleForFree")
    if isinstance(free, str):
        free = {"true": True, "false": False}.get(free.strip().lower())
    return {"page_title": pm.title_tag, "noindex": "noindex" in robots,
            "free": free if isinstance(free, bool) else None}
