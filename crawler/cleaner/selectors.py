"""Per-source CSS selectors, checked and matched by one engine: soupsieve, BeautifulSoup's.

The sources file is validated with `check_selector` and the cleaner matches with `select`, so a
selector accepted at load time is the selector applied to every page. soupsieve implements the
CSS Level 4 selectors people write in browser tools (`:not(.a, .b)`, `:is()`, `:has()`,
`:nth-child(2 of .x)`, `[class*=ad i]`), which lxml's cssselect refuses or mis-reads. soupsieve
matches BeautifulSoup tags only, so `select` mirrors the cleaner's lxml tree as tags (elements,
attributes and text, one tag per element) and maps the matches back; the mirror is built only
for pages of sources that set selectors.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:  # imported when first needed: most sources set no selectors, and bs4 + soupsieve
    # take longer to import than the whole cleaner (python -X importtime)
    import bs4
    import soupsieve


class InvalidSelector(ValueError):
    """A CSS selector soupsieve cannot compile; `reason` is the first line of its explanation."""

    def __init__(self, selector: str, reason: str):
        super().__init__(f"{selector!r} is not a CSS selector ({reason})")
        self.selector, self.reason = selector, reason


def check_selector(selector: str) -> None:
    """Raise InvalidSelector (one line, soupsieve's reason) unless `selector` compiles."""
    _compiled(selector)


@lru_cache(maxsize=256)
def _compiled(selector: str) -> soupsieve.SoupSieve:
    import soupsieve

    try:
        return soupsieve.compile(selector)
    except Exception as exc:  # SelectorSyntaxError, and NotImplementedError for pseudo-elements
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidSelector(selector, reason) from None


def select(root: etree._Element, selectors: str | Sequence[str]) -> list[etree._Element]:
    """`root` and its descendants that match any of `selectors`, in document order."""
    selectors = [selectors] if isinstance(selectors, str) else list(selectors)
    if not selectors:
        return []
    for selector in selectors:
        _compiled(selector)  # each one alone, so that an error names the selector at fault
    sieve = _compiled(", ".join(selectors))  # one pass over the page for all of them
    top, elements = _mirror(root)
    # Matched against the whole document (so `:root` and `html > body` mean what they mean in a
    # browser), keeping `root` and what lies under it, like lxml's descendant-or-self:: axis.
    found = [elements[id(tag)] for tag in sieve.select(top)]
    return [el for el in found if el is root or root in el.iterancestors()]


def _mirror(root: etree._Element) -> tuple[bs4.BeautifulSoup, dict[int, etree._Element]]:
    """The document `root` belongs to as BeautifulSoup tags, and each tag's lxml element by id().

    Linked the way bs4's own tree building links them (`PageElement.setup`), without its
    parse-time bookkeeping, which made the mirror twice as slow.
    """
    import bs4

    soup = bs4.BeautifulSoup("", "lxml")
    elements: dict[int, etree._Element] = {}
    last: list[bs4.PageElement] = [soup]  # the element built last: next_element runs in document order

    def add_text(parent: bs4.Tag, value: str | None) -> None:
        if value:
            string = bs4.NavigableString(value)
            string.setup(parent, last[0])
            parent.contents.append(string)
            last[0] = string

    # Iterative walk: pages nest deeper than Python's recursion limit (huge_tree allows 2048).
    # An entry (None, tag, tail) closes `tag`: its lxml tail is text of tag's parent.
    stack: list[tuple[etree._Element | None, bs4.Tag, str | None]] = [
        (root.getroottree().getroot(), soup, None)]
    while stack:
        el, parent, tail = stack.pop()
        if el is None:
            add_text(parent.parent, tail)
        elif not isinstance(el.tag, str):  # a comment or processing instruction: only its tail shows
            add_text(parent, el.tail)
        else:
            tag = bs4.Tag(soup, soup.builder, el.tag, attrs=dict(el.attrib), parent=parent,
                          previous=last[0])
            parent.contents.append(tag)
            last[0], elements[id(tag)] = tag, el
            add_text(tag, el.text)
            stack.append((None, tag, el.tail if parent is not soup else None))
            stack.extend((child, tag, None) for child in reversed(el))
    return soup, elements
