"""Remove page furniture from a parsed page: invisible nodes, widgets named in the vocabulary, labels."""
from __future__ import annotations

import re

from lxml import etree

from .text import normalize_line
from .vocabulary import (
    CHROME_ROLES, CHROME_TAGS, CONTENT_RE, GUARDED_RE, LABEL_ONLY_TEXTS, MAX_PRUNE_SHARE, UNGUARDED_RE,
    NEVER_TEXT_TAGS,
)

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_LABEL_TRIM = " \t:：»›…|-–—.!"
# Elements small enough to be a label ("Advertisement", "Share this:").
_LABEL_TAGS = ("p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "li", "strong", "em", "b", "small")


def class_tokens(el: etree._Element) -> str:
    """class + id, camelCase split and lowercased, ready for word-boundary matching."""
    raw = f"{el.get('class') or ''} {el.get('id') or ''}"
    return _CAMEL.sub(r"\1-\2", raw).lower() if raw.strip() else ""


def drop(el: etree._Element) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def is_hidden(el: etree._Element) -> bool:
    """Not rendered: hidden attribute, aria-hidden, or display:none / visibility:hidden inline."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def remove_invisible(root: etree._Element) -> None:
    """Drop scripts, styles, forms, tracking pixels and hidden nodes: none of it is read."""
    doomed = [el for el in root.iter(*NEVER_TEXT_TAGS)]
    doomed += [el for el in root.iter() if isinstance(el.tag, str) and el.tag not in ("html", "body") and is_hidden(el)]
    doomed += [el for el in root.iter() if not isinstance(el.tag, str)]  # comments, PIs
    for el in doomed:
        drop(el)


def is_label(el: etree._Element) -> bool:
    """A block whose whole text is a widget label such as "Advertisement" or "Share this:"."""
    text = "".join(el.itertext())
    if len(text) > 60:
        return False
    return normalize_line(text).strip(_LABEL_TRIM).lower() in LABEL_ONLY_TEXTS


def paragraph_text_length(el: etree._Element) -> int:
    return sum(len("".join(p.itertext()).strip()) for p in el.iter("p"))


def boilerplate_kind(el: etree._Element) -> str | None:
    """'chrome' (tag/role), 'guarded' or 'unguarded' vocabulary match, or None for content."""
    if el.tag in CHROME_TAGS or (el.get("role") or "").lower() in CHROME_ROLES:
        return "chrome"
    tokens = class_tokens(el)
    if not tokens or CONTENT_RE.search(tokens):
        return None
    if UNGUARDED_RE.search(tokens):
        return "unguarded"
    return "guarded" if GUARDED_RE.search(tokens) else None


def _protected(body: etree._Element) -> set[etree._Element]:
    """The marked-up article body (itemprop=articleBody, `entry-content`...) and its ancestors.

    Only the largest marker counts: comment bodies reuse the same class names.
    """
    markers = [el for el in body.iter() if isinstance(el.tag, str) and (
        el.get("itemprop") == "articleBody" or CONTENT_RE.search(class_tokens(el)))]
    if not markers:
        return set()
    main = max(markers, key=lambda el: sum(len(t) for t in el.itertext()))
    return {main, *main.iterancestors()}


def remove_boilerplate(body: etree._Element, max_share: float | None = MAX_PRUNE_SHARE,
                       guard_all: bool = False, keep: list[etree._Element] | tuple = ()) -> int:
    """Prune vocabulary matches and labels; returns how many elements were removed.

    Over-pruning guards: the marked-up article body and its wrappers are never removed;
    an element holding more than max_share of the page's paragraph text is kept unless
    it is chrome by tag/role or a comments/related block (with guard_all, kept whatever it is).
    `keep` adds containers named by the source's body_selector (and their ancestors).
    """
    protected = _protected(body)
    for el in keep:
        protected.update((el, *el.iterancestors()))
    total = paragraph_text_length(body) or 1
    doomed: list[etree._Element] = []
    stack = list(reversed(body))
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        kind = None if el in protected else boilerplate_kind(el)
        if kind and (kind != "guarded" and not guard_all or max_share is None
                     or paragraph_text_length(el) <= max_share * total):
            doomed.append(el)
            continue  # its descendants go with it
        if el.tag in _LABEL_TAGS and is_label(el):
            doomed.append(el)
            continue
        stack.extend(reversed(el))
    for el in doomed:
        drop(el)
    return len(doomed)


def apply_selectors(root: etree._Element, selectors: tuple[str, ...] | list[str]) -> list[str]:
    """Remove everything matching the per-source CSS selectors; returns problems for bad ones."""
    problems: list[str] = []
    for selector in selectors:
        try:
            matches = root.cssselect(selector)
        except Exception as exc:  # cssselect raises several error types for bad syntax
            problems.append(f"drop_selector {selector!r} is not valid CSS: {exc}")
            continue
        for el in matches:
            drop(el)
    return problems
