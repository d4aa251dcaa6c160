"""The cleaning pipeline: decode, parse once, read metadata, prune, select the article, guard."""
from __future__ import annotations

import re
from collections.abc import Sequence

import lxml.html
from lxml import etree

from .article import Article
from .captions import take_captions
from .container import clean_container, drop_promo_lines, find_article, link_density
from .encoding import decode_html
from .liveblog import take_entries
from .metadata import (
    PageMeta, find_dates, is_site_name, lone_headline, metadata_byline, page_signals, read_page_meta,
    title_candidates, visible_byline, visible_title,
)
from .prune import apply_selectors, class_tokens, drop, remove_boilerplate, remove_invisible
from .lines import article_lines, is_furniture_line
from .selectors import InvalidSelector, select
from .streaming import is_streamed, reveal_streamed
from .text import element_text, linked_lines, normalize_line, normalize_text
from .vocabulary import BYLINE_RE, FURNITURE_MAX_CHARS, FURNITURE_RE, FURNITURE_RELS, MAX_PRUNE_SHARE, MIN_BODY_RATIO, STANDFIRST_RE

# C0 control characters (not tab/newline/CR): never displayed, and lxml refuses them in
# text it is asked to write back when pruning.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Below this many characters a body is suspicious enough to try the unpruned page.
_MIN_BODY_CHARS = 200
# Below this many characters the scored container is widened to its <main>/<article>.
_SHORT_ARTICLE_CHARS = 500
# A standfirst is a sentence or two.
_STANDFIRST_CHARS = (20, 400)
# A body with fewer characters than this in sentence-like lines (this many words or more) gets
# a second opinion from trafilatura.
_MIN_PROSE_CHARS = 250
_PROSE_WORDS = 8
# trafilatura's selection loses its menus and lists by the line rules, unless links are this share of its text.
_LINKS_PAGE_SHARE = 0.5
# A body this short after every guard is treated as "nothing found by pruning".
_NEARLY_EMPTY = 50


def clean(
    html: str | bytes,
    url: str | None = None,
    *,
    encoding: str | None = None,
    drop_selectors: Sequence[str] = (),
    body_selector: str | None = None,
    live_selector: str | None = None,
) -> Article:
    """Clean one fetched page into an Article. Pure and deterministic; never raises."""
    try:
        return _clean(html, url, encoding, tuple(drop_selectors or ()), body_selector, live_selector)
    except Exception as exc:  # the contract: bad input yields empty fields plus a reason
        return Article(problems=(f"cleaner failed: {type(exc).__name__}: {exc}",))


def parse_html(text: str) -> etree._Element | None:
    """Parse once with lxml; None for documents with no elements.

    A <title> that never closes (cut off, or closed as `</titlevalue="true" -->`) holds the rest of
    the page as its text, in a browser's parse and in libxml2's: the page is parsed again with the
    title closed where its first line ends, so the story is read and not lost.
    """
    root = _parse(text)
    title = None if root is None else root.find("head/title")
    if title is not None and len(title.text or "") > _RUNAWAY_TITLE_CHARS and "</" in title.text:
        closed = _OPEN_TITLE.sub(r"\1\2</title>", text, count=1)
        root = reparsed if (reparsed := _parse(closed)) is not None else root
    return root


# A title longer than this that holds an end tag swallowed the page.
_RUNAWAY_TITLE_CHARS = 1000
_OPEN_TITLE = re.compile(r"(<title\b[^>]*>)([^<\n]*)", re.I)


def _parse(text: str) -> etree._Element | None:
    data = _CONTROL_CHARS.sub("", text).encode("utf-8", "replace")
    if not data.strip():
        return None
    # Plain etree elements, not lxml.html's: its per-element Python class lookup costs
    # more than the parse itself on a 100 KB page. huge_tree lifts libxml2's nesting limit
    # from 256 to 2048: pages full of unclosed <div>/<font> tags otherwise lose their text.
    streamed = is_streamed(text)  # its comments mark where each streamed part ends
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=not streamed, remove_pis=True, no_network=True,
                              huge_tree=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    if streamed:
        reveal_streamed(root)
        for comment in list(root.iter(etree.Comment)):
            drop(comment)
    return root


def _clean(html: object, url: str | None, encoding: str | None,
           drop_selectors: tuple[str, ...], body_selector: str | None,
           live_selector: str | None = None) -> Article:
    if not isinstance(html, (str, bytes, bytearray, memoryview)):
        return Article(problems=(f"input is {type(html).__name__}, not str or bytes",))
    text, _codec = decode_html(html if isinstance(html, str) else bytes(html), encoding)
    tree = parse_html(text)
    if tree is None:
        return Article(problems=("document is empty",))
    meta = read_page_meta(tree, url)  # before pruning: JSON-LD lives in <script>
    body, problems = _visible_body(tree, drop_selectors)
    entries, live_problems = take_entries(body, meta.jsonld, live_selector)  # the rest is the intro
    title, headline = visible_title(body, title_candidates(meta), meta.site_keys)
    chosen, selector_problems = _select_by_css(body, body_selector)
    remove_boilerplate(body, keep=chosen)
    title, headline = _settle_title(body, title, headline, meta)
    known = metadata_byline(meta)
    byline = visible_byline(body, headline if _attached(headline, body) else None, known) or known
    language = meta.language or _jsonld_language(meta)
    published, modified = find_dates(meta, tree, language)
    captions: list[str] = []
    lines = _body_lines(body, headline, meta, chosen, captions)
    live = entries is not None  # a live blog's intro may be short: never widened to its entries
    if _too_short(lines, meta) and not chosen and not live:
        lines = _fallback_lines(text, meta, title, lines, drop_selectors)
    if not chosen and not live and _prose_chars(lines) < _MIN_PROSE_CHARS:
        lines = _second_opinion(text, title, lines, meta.host)
    if not chosen and not live and _prose_chars(lines) < _MIN_PROSE_CHARS:
        lines, captions = _photo_story(lines, captions)
    lines = _without_header_repeats(lines, title, byline)
    problems += selector_problems + live_problems + ([] if title or lines else ["no article found on the page"])
    return Article(title=title, byline=byline, published=published, modified=modified,
                   body="\n".join(lines), captions=tuple(captions), canonical_url=meta.canonical,
                   language=language, problems=tuple(problems), live=live, entries=entries or (),
                   **page_signals(meta))


def _visible_body(tree: etree._Element, drop_selectors: tuple[str, ...]) -> tuple[etree._Element, list[str]]:
    """<body> (or the whole tree) without the source's drop_selectors and never-displayed nodes."""
    body = tree.find("body")
    body = body if body is not None else tree
    problems = apply_selectors(body, drop_selectors)
    remove_invisible(body)
    return body, problems


def _settle_title(body: etree._Element, title: str, headline: etree._Element | None,
                  meta: PageMeta) -> tuple[str, etree._Element | None]:
    """When nothing visible agrees with the metadata: the page's single headline-like <h1>
    (the contract wants what readers see), else the metadata title, else any <h1>."""
    if title:
        return title, headline
    candidates = title_candidates(meta)
    if not candidates:
        return lone_headline(body)
    visible = lone_headline(body, strict=True)
    return visible if visible[0] and not is_site_name(visible[0], meta.site_keys) else (candidates[0], None)


def _attached(el: etree._Element | None, body: etree._Element) -> bool:
    """Still in the page (pruning may have removed it)."""
    return el is not None and (el is body or body in el.iterancestors())


def _comparable(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _without_header_repeats(lines: list[str], title: str, byline: tuple[str, ...]) -> list[str]:
    """Old table layouts repeat the headline and the byline at the top of the story cell;
    they are already the title and byline fields."""
    repeats = {_comparable(title)} | {_comparable(f"{prefix} {name}") for name in byline for prefix in ("", "by")}
    repeats.discard("")
    return [line for line in lines if _comparable(line) not in repeats]


def _jsonld_language(meta: PageMeta) -> str | None:
    value = meta.jsonld.get("inLanguage")
    return value if isinstance(value, str) and 1 < len(value) < 20 else None


def _select_by_css(body: etree._Element, body_selector: str | None) -> tuple[list[etree._Element], list[str]]:
    """The per-source article container, if configured and present on the page."""
    if not body_selector:
        return [], []
    try:
        found = select(body, body_selector)
    except InvalidSelector as exc:  # invalid CSS passed to clean() must not stop cleaning
        return [], [f"body_selector {body_selector!r} is not valid CSS: {exc.reason}"]
    return found[:1], ([] if found else [f"body_selector {body_selector!r} matched nothing"])


def _body_lines(body: etree._Element, headline: etree._Element | None, meta: PageMeta,
                chosen: list[etree._Element], captions: list[str] | None = None) -> list[str]:
    """Body lines from the configured container, else the scored container and its siblings;
    the image captions found there are moved to `captions`."""
    nodes = chosen or _widen_short(find_article(body) or [body])
    lines: list[str] = []
    for node in nodes:
        _drop_header_parts(node, headline)
        found = take_captions(node)
        if captions is not None:
            captions += [c for c in found if c not in captions]
        if not chosen:
            clean_container(node)
        drop_promo_lines(node)
        lines += article_lines(linked_lines(node), meta.host)
    standfirst = _standfirst(body, headline, nodes[0], meta)
    if standfirst and (not lines or lines[0] != standfirst):
        lines.insert(0, standfirst)
    return lines


def _widen_short(nodes: list[etree._Element]) -> list[etree._Element]:
    """Readability's char threshold: a tiny winner inside <main>/<article> means the page is
    made of many short blocks (product pages, listicles); take the whole landmark instead."""
    size = sum(_chars_in(n) for n in nodes)
    if size >= _SHORT_ARTICLE_CHARS:
        return nodes
    for ancestor in nodes[0].iterancestors():
        if ancestor.tag in ("main", "article") or ancestor.get("role") == "main":
            return [ancestor] if _chars_in(ancestor) >= 1.5 * size else nodes  # only for real gains
    return nodes


def _chars_in(el: etree._Element) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def _drop_header_parts(container: etree._Element, headline: etree._Element | None) -> None:
    """Headline, byline, kicker and date line belong in their own fields, not in the body."""
    if headline is not None and headline is not container and container in headline.iterancestors():
        drop(headline)
    doomed = []
    for el in container.iter():
        if el is container or not isinstance(el.tag, str):
            continue
        rels = set((el.get("rel") or "").split())
        is_furniture = (el.get("itemprop") == "author" or "author" in rels or rels & FURNITURE_RELS
                        or FURNITURE_RE.search(class_tokens(el)))
        if is_furniture and len(element_text(el)) <= FURNITURE_MAX_CHARS:
            doomed.append(el)
    for el in doomed:
        drop(el)


def _standfirst(body: etree._Element, headline: etree._Element | None, container: etree._Element,
                meta: PageMeta) -> str | None:
    """The dek shown between the headline and the article text, if the page has one."""
    if not _attached(headline, body) or container in headline.iterancestors():
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
        text = normalize_line(element_text(el))
        if (not _STANDFIRST_CHARS[0] <= len(text) <= _STANDFIRST_CHARS[1] or link_density(el) > 0.3
                or is_furniture_line(text)):
            continue  # a "summary" holding the whole story is a duplicate, not a dek; a stamp is none
        if ((STANDFIRST_RE.search(class_tokens(el)) or el.get("itemprop") == "description" or text in descriptions)
                and not _in_author_card(el, body)):
            return text
    return None


def _in_author_card(el: etree._Element, body: etree._Element) -> bool:
    """The author's `description` in a card under the headline is a bio, not the story's dek."""
    for ancestor in el.iterancestors():
        if ancestor is body:
            return False
        if BYLINE_RE.search(class_tokens(ancestor)):
            return True
    return False


def _too_short(lines: list[str], meta: PageMeta) -> bool:
    chars = sum(len(line) for line in lines)
    promised = meta.jsonld.get("articleBody")
    if isinstance(promised, str) and promised.strip():
        return chars < MIN_BODY_RATIO * len(normalize_text(promised))
    return chars < _MIN_BODY_CHARS


def _fallback_lines(text: str, meta: PageMeta, title: str, lines: list[str],
                    drop_selectors: tuple[str, ...]) -> list[str]:
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
        if tree is None:
            return best
        body, _ = _visible_body(tree, drop_selectors)
        _, headline = visible_title(body, [title] if title else [])
        if guarded:
            remove_boilerplate(body, MAX_PRUNE_SHARE, guard_all=True)
        retry = _body_lines(body, headline, meta, [])
        if _chars(retry) >= 2 * _chars(best) + _NEARLY_EMPTY:
            best = retry
    for rescue in (lambda: _trafilatura_lines(text, meta.host), lambda: _jsonld_lines(meta)):
        if _chars(best) < _NEARLY_EMPTY:
            lines = [line for line in rescue() if line != title]
            best = lines if _chars(lines) >= 2 * _chars(best) + _NEARLY_EMPTY else best
    return best


def _prose_chars(lines: list[str]) -> int:
    return sum(len(line) for line in lines if len(line.split()) >= _PROSE_WORDS)


def _photo_story(lines: list[str], captions: list[str]) -> tuple[list[str], list[str]]:
    """A photo page whose caption carries more prose than the body around it: the caption is the story."""
    if _prose_chars(captions) > _prose_chars(lines):
        return lines + captions, []
    return lines, captions


def _second_opinion(text: str, title: str, lines: list[str], host: str) -> list[str]:
    """A body with almost no sentences is a menu or a sidebar the scoring took for the story:
    trafilatura's selection replaces it when it holds clearly more prose."""
    rescue = [line for line in _trafilatura_lines(text, host) if line != title]
    return rescue if _prose_chars(rescue) >= 2 * _prose_chars(lines) + _MIN_PROSE_CHARS else lines


def _jsonld_lines(meta: PageMeta) -> list[str]:
    """Script-rendered pages: the JSON-LD articleBody is the only copy of the text we have."""
    promised = meta.jsonld.get("articleBody")
    return normalize_text(promised).split("\n") if isinstance(promised, str) and promised.strip() else []


def _trafilatura_lines(text: str, host: str = "") -> list[str]:
    """Last resort: trafilatura's own main-content selection, for pages our scoring cannot read,
    read by the same line rules as our own container (its links kept, so a menu or a list of
    other stories in its selection reads as one).

    Imported lazily: it is slow to import and almost never needed.
    """
    try:
        import trafilatura

        extracted = trafilatura.extract(text, include_comments=False, include_tables=True, include_links=True,
                                        output_format="html")
        tree = lxml.html.fromstring(extracted) if extracted else None
    except Exception:  # a fallback must not turn a thin result into a crash
        return []
    if tree is None:
        return []
    for cell in tree.iter("td", "th"):
        cell.tag = "div"  # a layout table's cells are its blocks: the date cell, the menu cell, the story cell
    lines = linked_lines(tree)
    linked = sum(line.linked * len(line.text) for line in lines)
    if linked >= _LINKS_PAGE_SHARE * sum(len(line.text) for line in lines):
        # A selection mostly of links is a page of links (a round-up of stories): its lists stay.
        return [line.text for line in lines if not is_furniture_line(line.text)]
    return article_lines(lines, host)


def _chars(lines: list[str]) -> int:
    return sum(map(len, lines))
