"""The cleaning pipeline: decode, parse once, read metadata, prune, select the article, guard."""
from __future__ import annotations

from collections.abc import Sequence

import lxml.html
from lxml import etree

from .article import Article
from .container import clean_container, find_article, link_density
from .encoding import decode_html
from .metadata import (
    PageMeta, find_dates, metadata_byline, read_page_meta, title_candidates, visible_byline,
    lone_headline, visible_title,
)
from .prune import apply_selectors, class_tokens, drop, remove_boilerplate, remove_invisible
from .text import block_lines, normalize_line, normalize_text
from .vocabulary import FURNITURE_MAX_CHARS, FURNITURE_RE, MAX_PRUNE_SHARE, MIN_BODY_RATIO, STANDFIRST_RE

# Below this many characters a body is suspicious enough to try the unpruned page.
_MIN_BODY_CHARS = 200
# A standfirst is a sentence or two.
_STANDFIRST_CHARS = (20, 400)
# A body this short after every guard is treated as "nothing found by pruning".
_NEARLY_EMPTY = 50


def clean(
    html: str | bytes,
    url: str | None = None,
    *,
    encoding: str | None = None,
    drop_selectors: Sequence[str] = (),
    body_selector: str | None = None,
) -> Article:
    """Clean one fetched page into an Article. Pure and deterministic; never raises."""
    try:
        return _clean(html, url, encoding, tuple(drop_selectors or ()), body_selector)
    except Exception as exc:  # the contract: bad input yields empty fields plus a reason
        return Article(problems=(f"cleaner failed: {type(exc).__name__}: {exc}",))


def parse_html(text: str) -> etree._Element | None:
    """Parse once with lxml; None for documents with no elements."""
    data = text.replace("\x00", "").encode("utf-8", "replace")
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _clean(html: object, url: str | None, encoding: str | None,
           drop_selectors: tuple[str, ...], body_selector: str | None) -> Article:
    if not isinstance(html, (str, bytes, bytearray, memoryview)):
        return Article(problems=(f"input is {type(html).__name__}, not str or bytes",))
    text, _codec = decode_html(html if isinstance(html, str) else bytes(html), encoding)
    tree = parse_html(text)
    if tree is None:
        return Article(problems=("document is empty",))
    meta = read_page_meta(tree, url)
    body = tree.find("body")
    body = body if body is not None else tree
    problems = apply_selectors(body, drop_selectors)
    remove_invisible(body)
    candidates = title_candidates(meta)
    title, headline = visible_title(body, candidates)
    chosen, selector_problems = _select_by_css(body, body_selector)
    problems += selector_problems
    remove_boilerplate(body, keep=chosen)
    if not title and candidates:  # nothing visible agrees with the metadata: it is all we have
        title = candidates[0]
    elif not title:  # no metadata at all: the page's own <h1>
        title, headline = lone_headline(body)
    byline = visible_byline(body) or metadata_byline(meta)
    language = meta.language or _jsonld_language(meta)
    published, modified = find_dates(meta, tree, language)
    lines = _body_lines(body, headline, meta, chosen)
    if _too_short(lines, meta) and not chosen:
        lines = _fallback_lines(text, meta, title, lines)
    if not title and not lines:
        problems.append("no article found on the page")
    return Article(title=title, byline=byline, published=published, modified=modified,
                   body="\n".join(lines), canonical_url=meta.canonical, language=language,
                   problems=tuple(problems))


def _jsonld_language(meta: PageMeta) -> str | None:
    value = meta.jsonld.get("inLanguage")
    return value if isinstance(value, str) and 1 < len(value) < 20 else None


def _select_by_css(body: etree._Element, body_selector: str | None) -> tuple[list[etree._Element], list[str]]:
    """The per-source article container, if configured and present on the page."""
    if not body_selector:
        return [], []
    try:
        found = body.cssselect(body_selector)
    except Exception as exc:  # invalid CSS from a sources file must not stop cleaning
        return [], [f"body_selector {body_selector!r} is not valid CSS: {exc}"]
    return found[:1], ([] if found else [f"body_selector {body_selector!r} matched nothing"])


def _body_lines(body: etree._Element, headline: etree._Element | None, meta: PageMeta,
                chosen: list[etree._Element]) -> list[str]:
    """Body lines from the configured container, else the scored container and its siblings."""
    nodes = chosen or find_article(body) or [body]
    lines: list[str] = []
    for node in nodes:
        _drop_header_parts(node, headline)
        if not chosen:
            clean_container(node)
        lines += block_lines(node)
    standfirst = _standfirst(body, headline, nodes[0], meta)
    if standfirst and (not lines or lines[0] != standfirst):
        lines.insert(0, standfirst)
    return lines


def _drop_header_parts(container: etree._Element, headline: etree._Element | None) -> None:
    """Headline, byline, kicker and date line belong in their own fields, not in the body."""
    if headline is not None and headline is not container and container in headline.iterancestors():
        drop(headline)
    doomed = []
    for el in container.iter():
        if el is container or not isinstance(el.tag, str):
            continue
        is_furniture = el.get("itemprop") == "author" or el.get("rel") == "author" or FURNITURE_RE.search(class_tokens(el))
        if is_furniture and len("".join(el.itertext())) <= FURNITURE_MAX_CHARS:
            doomed.append(el)
    for el in doomed:
        drop(el)


def _standfirst(body: etree._Element, headline: etree._Element | None, container: etree._Element,
                meta: PageMeta) -> str | None:
    """The dek shown between the headline and the article text, if the page has one."""
    if headline is None or container in headline.iterancestors() or headline.getroottree().getroot() is not container.getroottree().getroot():
        return None
    descriptions = {normalize_line(meta.meta.get(k, "")) for k in ("description", "og:description", "twitter:description")}
    seen_headline = False
    for el in body.iter():
        if el is headline:
            seen_headline = True
            continue
        if el is container:
            return None
        if not seen_headline or not isinstance(el.tag, str) or container in el.iterancestors():
            continue
        text = normalize_line("".join(el.itertext()))
        if not _STANDFIRST_CHARS[0] <= len(text) <= _STANDFIRST_CHARS[1] or link_density(el) > 0.3:
            continue  # a "summary" holding the whole story is a duplicate, not a dek
        if STANDFIRST_RE.search(class_tokens(el)) or el.get("itemprop") == "description" or text in descriptions:
            return text
    return None


def _too_short(lines: list[str], meta: PageMeta) -> bool:
    chars = sum(len(line) for line in lines)
    promised = meta.jsonld.get("articleBody")
    if isinstance(promised, str) and promised.strip():
        return chars < MIN_BODY_RATIO * len(normalize_text(promised))
    return chars < _MIN_BODY_CHARS


def _fallback_lines(text: str, meta: PageMeta, title: str, lines: list[str]) -> list[str]:
    """Over-pruning guard: when the result is too short, re-parse and prune less.

    First with the text-share guard on every family (a wrapper misnamed `comments-open`
    survives), accepted only if it finds clearly more text; then, if the body is still
    nearly empty, with no vocabulary pruning at all.
    """
    best = lines
    for guarded in (True, False):
        if not guarded and _chars(best) >= _NEARLY_EMPTY:
            break
        tree = parse_html(text)
        body = tree.find("body") if tree is not None else None
        if body is None:
            return best
        remove_invisible(body)
        _, headline = visible_title(body, [title] if title else [])
        if guarded:
            remove_boilerplate(body, MAX_PRUNE_SHARE, guard_all=True)
        retry = _body_lines(body, headline, meta, [])
        if _chars(retry) >= 2 * _chars(best) + _NEARLY_EMPTY:
            best = retry
    return best


def _chars(lines: list[str]) -> int:
    return sum(map(len, lines))
