"""Remove page furniture from a parsed page: invisible nodes, widgets named in the vocabulary, labels."""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .selectors import InvalidSelector, check_selector, select
from .text import element_text, normalize_line
from .vocabulary import (
    AMBIGUOUS_TEASER_HEADINGS, CHROME_ROLES, CHROME_TAGS, CONTENT_RE, CONTENT_TOKENS, GUARDED_RE, LABEL_ONLY_TEXTS,
    MAX_PRUNE_SHARE, NEVER_TEXT_TAGS, SIGNUP_BOX_CHARS, WRAPPED_STORY_PARAGRAPHS, PROSE_FREE_RE, PROSE_PARAGRAPH_CHARS, TEASER_HEADINGS, UNGUARDED_RE,
)

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# CMS taxonomy classes name the story's topic, not a widget: WordPress puts
# `category-comment` or `tag-advertising` on the <article> itself.
_TAXONOMY = re.compile(r"(?<!\S)(?:category|tag|post_tag|post-tag|format|type|status)-\S+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_LABEL_TRIM = " \t:：»›…|-–—.!"
# Elements small enough to be a label ("Advertisement", "Share this:").
_LABEL_TAGS = ("p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "li", "strong", "em", "b", "small")


def class_tokens(el: etree._Element) -> str:
    """class + id, camelCase split and lowercased, ready for word-boundary matching."""
    cls, ident = el.get("class"), el.get("id")
    return "" if cls is None and ident is None else _tokens(cls, ident)


@lru_cache(maxsize=8192)  # a site's template repeats its class names on every page
def _tokens(cls: str | None, ident: str | None) -> str:
    if ident and ident.count("-") >= 3:
        ident = None  # a slug of a heading ("sharing-with-a-single-developer"), not a widget name
    if cls and ("category-" in cls or "tag-" in cls):
        cls = _TAXONOMY.sub(" ", cls)
    if not cls and not ident:
        return ""
    return _CAMEL.sub(r"\1-\2", f"{cls or ''} {ident or ''}").lower()


def drop(el: etree._Element) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        previous = el.getprevious()
        try:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        except ValueError:  # characters lxml will not write back; losing a tail beats failing
            pass
    parent.remove(el)


def is_hidden(el: etree._Element) -> bool:
    """Not rendered: hidden attribute, aria-hidden, or display:none / visibility:hidden inline."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


# XPath pre-filter (runs in C); is_hidden() confirms each hit. Attribute tests only: contains()
# on every element's style costs twice what is_hidden() spends on the elements that have one.
_MAYBE_HIDDEN = etree.XPath("descendant::*[@hidden or @aria-hidden or @style]")


def remove_invisible(root: etree._Element) -> None:
    """Drop scripts, styles, forms, tracking pixels and hidden nodes: none of it is read."""
    boxes = _signup_boxes(root)  # before the inputs that tell them go
    doomed = [el for el in root.iter(*NEVER_TEXT_TAGS) if not _swallowed_page(el)]
    doomed += [el for el in _MAYBE_HIDDEN(root) if el.tag != "body" and is_hidden(el)]
    doomed += list(root.iter(etree.Comment, etree.ProcessingInstruction))
    for el in doomed:
        drop(el)
    for box in boxes:
        drop(box)
    _drop_small_forms(root)


# An e-mail or phone field: what a sign-up form asks for (a search box asks for neither).
_SIGNUP_FIELDS = etree.XPath("descendant::input[translate(@type, 'EMAILTL', 'emailtl') = 'email' or "
                             "translate(@type, 'EMAILTL', 'emailtl') = 'tel']")
_BOX_STOP = frozenset({"body", "html", "article", "main"})
# A paragraph of a story, counted in words: a short story's paragraphs run under the
# PROSE_PARAGRAPH_CHARS that tell a chart's notes from prose, and still are not a form's labels.
_STORY_WORDS = 12


def _is_story_paragraph(p: etree._Element) -> bool:
    return len(element_text(p).split()) >= _STORY_WORDS


def _signup_boxes(root: etree._Element) -> list[etree._Element]:
    """The boxes around sign-up forms (a newsletter or text-message offer): the form with its
    heading, blurb and terms, the largest block around it that holds no more than SIGNUP_BOX_CHARS
    of text, no headline and not two paragraphs of prose (a short story's own block stays)."""
    boxes = []
    for form in root.iter("form"):
        if not _SIGNUP_FIELDS(form):
            continue
        box = None
        for ancestor in form.iterancestors():
            if (ancestor.tag in _BOX_STOP or next(ancestor.iter("h1"), None) is not None
                    or len("".join(ancestor.itertext()).strip()) > SIGNUP_BOX_CHARS
                    or sum(_is_story_paragraph(p) for p in ancestor.iter("p") if form not in p.iterancestors()) >= 2):
                break
            box = ancestor
        if box is not None:
            boxes.append(box)
    return boxes


# A <button> or <label> may hold only phrasing content (HTML Living Standard, 4.10.6 and 4.10.4):
# one holding blocks lost its closing tag, and the parser nested the rest of the page inside it.
_SWALLOWING = frozenset({"button", "label"})
_PAGE_BLOCKS = etree.XPath(
    "boolean(descendant::*[self::p or self::div or self::article or self::section][1])")


def _swallowed_page(el: etree._Element) -> bool:
    """An unclosed button or label that holds the page's blocks: the page, not a control."""
    return el.tag in _SWALLOWING and bool(_PAGE_BLOCKS(el))


# Links that run a script instead of leading anywhere: the tabs and toggles of a widget
# ("Video | Photo | Gallery"). A bare "#" does the same; "#section" is a table of contents.
_SCRIPT_LINKS = etree.XPath("descendant::a[starts-with(normalize-space(translate(@href, 'JAVSCRIPT', "
                            "'javscript')), 'javascript:') or normalize-space(@href) = '#']")
_CONTROL_CHARS = 60
_CONTROL_BLOCKS = frozenset({"p", "li", "div", "h2", "h3", "h4", "h5", "h6", "td", "dd", "dt"})


def script_controls(root: etree._Element) -> list[etree._Element]:
    """The script-run tabs and toggles under root (links that are the whole text of their block)."""
    return [a for a in _SCRIPT_LINKS(root) if _is_script_control(a)]


def _is_script_control(a: etree._Element) -> bool:
    """A script link that is the whole text of its block: a widget control, not a link in a sentence."""
    block = next((b for b in a.iterancestors() if b.tag in _CONTROL_BLOCKS), None)
    text = short_text(block, _CONTROL_CHARS) if block is not None else None
    own = element_text(a).split()
    return text is not None and text.split() == own


def _drop_small_forms(root: etree._Element) -> None:
    """Search, login and comment forms go; a form wrapping the whole page, or the story's cell
    (ASP.NET puts one around its content: WRAPPED_STORY_PARAGRAPHS paragraphs of prose or more), stays."""
    forms = list(root.iter("form"))
    if not forms:
        return
    total = sum(len(t.strip()) for t in root.itertext()) or 1
    for form in forms:
        if (sum(len(t.strip()) for t in form.itertext()) <= MAX_PRUNE_SHARE * total
                and sum(map(_is_story_paragraph, form.iter("p"))) < WRAPPED_STORY_PARAGRAPHS):
            drop(form)


def short_text(el: etree._Element, limit: int, max_nodes: int = 40) -> str | None:
    """The element's text if it has at most `limit` non-space characters (and few
    descendants), else None. Exits early, so calling it on every element stays cheap."""
    parts: list[str] = []
    size = nodes = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            nodes += 1
            piece = node.text if isinstance(node.tag, str) else None
        else:
            piece = node.tail if node is not el else None
        if nodes > max_nodes:
            return None
        if piece:
            size += len(piece.strip())
            if size > limit:
                return None
            parts.append(piece)
    return "".join(parts)


def is_wrapper(el: etree._Element) -> bool:
    """One child element and no text of its own: it says nothing its child does not.

    Checks skip wrappers and look at the child instead, which keeps them linear on
    pathologically deep pages (thousands of nested <div>s).
    """
    return len(el) == 1 and not (el.text or "").strip() and not (el[0].tail or "").strip()


def is_label(el: etree._Element) -> bool:
    """A block whose whole text is a widget label such as "Advertisement" or "Share this:"."""
    if is_wrapper(el):
        return False
    text = short_text(el, 60)
    return text is not None and _label_key(text) in LABEL_ONLY_TEXTS


def _label_key(text: str) -> str:
    return normalize_line(text).strip(_LABEL_TRIM).lower().replace("’", "'")


def _introduced_by_teaser_heading(el: etree._Element, is_protected: bool) -> bool:
    """A block whose first child is a heading like "Recommended for you" is a teaser list."""
    if is_protected or el.tag not in ("div", "section", "aside", "ul", "nav"):
        return False
    first = next((c for c in el if isinstance(c.tag, str)), None)
    if first is None or first.tag not in ("h2", "h3", "h4", "h5", "h6", "header", "div", "span", "p"):
        return False
    text = short_text(first, 60)
    if text is None:
        return False
    key = _label_key(text)
    # "Read more" also labels a toggle over the rest of the story: only a link list goes.
    return key in TEASER_HEADINGS and (key not in AMBIGUOUS_TEASER_HEADINGS or _mostly_links(el))


def _mostly_links(el: etree._Element) -> bool:
    """Teaser lists are mostly headline links; a "Read more" toggle over prose is not."""
    total = sum(len(t.strip()) for t in el.itertext()) or 1
    linked = sum(len(t.strip()) for a in el.iter("a") for t in a.itertext())
    return linked / total >= 0.3


def paragraph_text_length(el: etree._Element) -> int:
    return sum(len(element_text(p).strip()) for p in el.iter("p"))


def boilerplate_kind(el: etree._Element) -> str | None:
    """'chrome' (tag/role), 'guarded' or 'unguarded' vocabulary match, or None for content."""
    if el.tag in CHROME_TAGS or (el.get("role") or "").lower() in CHROME_ROLES:
        return "chrome"
    if isinstance(el.tag, str) and (el.tag == "math" or el.tag.startswith("mjx-")):
        return None  # MathML and MathJax's elements are formulas (MathJax's `CtxtMenu_…` is no menu)
    return _vocabulary_kind(class_tokens(el))


@lru_cache(maxsize=8192)
def _vocabulary_kind(tokens: str) -> str | None:
    if not tokens or CONTENT_RE.search(tokens):
        return None
    if UNGUARDED_RE.search(tokens):
        return "unguarded"
    if GUARDED_RE.search(tokens):
        return "guarded"
    return "prose-free" if PROSE_FREE_RE.search(tokens) else None


# Every CONTENT_TOKENS name ends in one of these words, whose first letter may be capital
# ("articleBody"), or all be ("ARTICLE-BODY"): a cheap search for their other letters runs
# before the token split. (An XPath of twelve contains() calls costs three times as much.)
_CONTENT_WORDS = ("body", "content", "text")
assert all(token.endswith(_CONTENT_WORDS) for token in CONTENT_TOKENS)
_MAYBE_CONTENT_NAME = re.compile("|".join(part for word in _CONTENT_WORDS for part in (word[1:], word[1:].upper())))
_NAMED = etree.XPath("descendant-or-self::*[@class or @id or @itemprop]")


def _protected(body: etree._Element) -> set[etree._Element]:
    """The marked-up article body (itemprop=articleBody, `entry-content`...) and its ancestors.

    Only the largest marker counts: comment bodies reuse the same class names.
    """
    markers = [el for el in _NAMED(body) if el.get("itemprop") == "articleBody" or _may_name_content(el)]
    if not markers:
        return set()
    main = max(markers, key=lambda el: len(element_text(el)))
    return {main, *main.iterancestors()}


def _may_name_content(el: etree._Element) -> bool:
    """Whether the class or id names the article body (`entry-content`, `story-body`…), the
    cheap search first."""
    maybe = any(name and _MAYBE_CONTENT_NAME.search(name) for name in (el.get("class"), el.get("id")))
    return maybe and bool(CONTENT_RE.search(class_tokens(el)))


def remove_boilerplate(body: etree._Element, max_share: float | None = MAX_PRUNE_SHARE,
                       guard_all: bool = False, keep: list[etree._Element] | tuple = ()) -> int:
    """Prune vocabulary matches, labels and teaser blocks; returns how many were removed.

    Over-pruning guards: the marked-up article body and its wrappers are never removed;
    an element holding more than max_share of the page's paragraph text is kept unless
    it is chrome by tag/role or a comments/related block (with guard_all, kept whatever it is).
    `keep` adds containers named by the source's body_selector (and their ancestors).
    """
    protected = _protected(body)
    for el in keep:
        protected.update((el, *el.iterancestors()))
    limit = None if max_share is None else max_share * (paragraph_text_length(body) or 1)
    doomed: list[etree._Element] = []
    stack = list(reversed(body))
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if _is_furniture(el, el in protected, limit, guard_all):
            doomed.append(el)  # its descendants go with it
        else:
            stack.extend(reversed(el))
    for el in doomed:
        drop(el)
    return len(doomed)


def _is_furniture(el: etree._Element, is_protected: bool, limit: float | None, guard_all: bool) -> bool:
    kind = None if is_protected else boilerplate_kind(el)
    if kind == "prose-free" and _holds_prose(el):
        return False
    if kind:
        big = limit is not None and paragraph_text_length(el) > limit
        return not big or (kind not in ("guarded", "prose-free") and not guard_all)
    return (el.tag in _LABEL_TAGS and is_label(el)) or _introduced_by_teaser_heading(el, is_protected)


def _holds_prose(el: etree._Element) -> bool:
    """A paragraph longer than any chart label or note: the block is the story's, whatever its name."""
    return any(len(element_text(p).strip()) >= PROSE_PARAGRAPH_CHARS for p in el.iter("p"))


def apply_selectors(root: etree._Element, selectors: tuple[str, ...] | list[str]) -> list[str]:
    """Remove everything matching the per-source CSS selectors; returns problems for bad ones."""
    problems, valid = [], []
    for selector in selectors:  # the sources file checks them: only a direct clean() call has bad ones
        try:
            check_selector(selector)
            valid.append(selector)
        except InvalidSelector as exc:
            problems.append(f"drop_selector {selector!r} is not valid CSS: {exc.reason}")
    for el in select(root, valid):
        drop(el)
    return problems
