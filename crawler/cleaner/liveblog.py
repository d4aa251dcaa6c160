"""Live blogs: their entries, read from JSON-LD `LiveBlogPosting` or a source's `live_selector`.

A live blog is versioned by what lies outside its entries (headline, intro); the entries are a
stream of their own (db.store keeps it). So the entries found here are taken out of the page
before the article's body is read, and returned apart.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .dates import parse_date
from .prune import drop
from .selectors import InvalidSelector, select
from .text import block_lines, element_text, normalize_line, normalize_text

# schema.org: a LiveBlogPosting lists its entries in `liveBlogUpdate` (BlogPosting objects).
LIVE_TYPE = "LiveBlogPosting"
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Elements an entry's wrapper may be, when it is found by its text (JSON-LD without ids).
# An entry's element found by its text may show this much besides it (headline, time, byline).
_ENTRY_FURNITURE_CHARS = 120
_MATCHED_CHARS = 60


@dataclass(frozen=True)
class LiveEntry:
    """One entry of a live blog, as the page shows it."""

    key: str  # the entry's id (JSON-LD @id/url, the element's id) or a hash of its text
    text: str  # one block per line
    headline: str = ""
    published: str | None = None


def is_live_blog(jsonld: dict[str, Any]) -> bool:
    types = jsonld.get("@type")
    return LIVE_TYPE in (types if isinstance(types, list) else [types])


def take_entries(body: etree._Element, jsonld: dict[str, Any],
                 live_selector: str | None) -> tuple[tuple[LiveEntry, ...] | None, list[str]]:
    """The live blog's entries (None: not a live blog) and problems; the entries' elements are
    removed from `body`, so that what remains is the live blog's intro."""
    if live_selector:
        try:
            found = select(body, live_selector)
        except InvalidSelector as exc:
            return None, [f"live_selector {live_selector!r} is not valid CSS: {exc.reason}"]
        outermost = [el for el in found if not any(a in found for a in el.iterancestors())]
        if outermost:  # else the page may still be a JSON-LD live blog
            return _unique([_entry_of(el) for el in outermost if _drop(el)]), []
    if not is_live_blog(jsonld):
        return None, []
    entries = _unique([e for e in map(_jsonld_entry, _updates(jsonld)) if e is not None])
    _drop_shown(body, entries)
    return entries, []


def _drop(el: etree._Element) -> bool:
    drop(el)
    return True


def _entry_of(el: etree._Element) -> LiveEntry:
    """An entry element: its first heading, its text without it, its <time datetime>."""
    heading = next((h for h in el.iter(*_HEADINGS)), None)
    headline = normalize_line(element_text(heading)) if heading is not None else ""
    stamp = next((t.get("datetime") for t in el.iter("time") if t.get("datetime")), None)
    furniture = {headline} | {normalize_line(element_text(t)) for t in el.iter("time")}
    lines = [line for line in block_lines(el) if line not in furniture]  # no headline, no "10:32"
    text = "\n".join(lines)
    return LiveEntry(el.get("id") or _text_key(headline, text), text, headline,
                     parse_date(stamp) if stamp else None)


def _updates(jsonld: dict[str, Any]) -> list[dict]:
    updates = jsonld.get("liveBlogUpdate") or []
    return [u for u in (updates if isinstance(updates, list) else [updates]) if isinstance(u, dict)]


def _jsonld_entry(update: dict) -> LiveEntry | None:
    text = update.get("articleBody") or update.get("text") or update.get("description") or ""
    text = normalize_text(text) if isinstance(text, str) else ""
    headline = update.get("headline")
    headline = normalize_line(headline) if isinstance(headline, str) else ""
    if not text and not headline:
        return None
    key = next((v for v in (update.get("@id"), update.get("url")) if isinstance(v, str) and v), None)
    published = update.get("datePublished")
    return LiveEntry(key or _text_key(headline, text), text, headline,
                     parse_date(published) if isinstance(published, str) else None)


def _text_key(headline: str, text: str) -> str:
    """An entry with no id is known by its words: editing it makes it another entry."""
    return "sha1:" + hashlib.sha1(f"{headline}\n{text}".encode("utf-8")).hexdigest()[:16]


def _unique(entries: list[LiveEntry]) -> tuple[LiveEntry, ...]:
    """One entry per key, the first shown (a key the page repeats is one entry)."""
    return tuple({e.key: e for e in reversed(entries)}[k] for k in dict.fromkeys(e.key for e in entries))


def _drop_shown(body: etree._Element, entries: tuple[LiveEntry, ...]) -> None:
    """Take the entries JSON-LD lists out of the visible page: the element whose id is the
    fragment of the entry's @id, else the element showing that entry's text and little more."""
    by_id = {el.get("id"): el for el in body.iter() if isinstance(el.tag, str) and el.get("id")}
    shown = [(el, normalize_line(element_text(el))) for el in body.iter() if isinstance(el.tag, str)]
    firsts = [_first_line(e) for e in entries]
    doomed = []
    for entry in entries:
        el = by_id.get(entry.key.rpartition("#")[2]) if "#" in entry.key else None
        el = el if el is not None else _wrapper_of(body, entry, shown, firsts)
        if el is not None and el is not body:
            doomed.append(el)
    for el in doomed:
        drop(el)


def _first_line(entry: LiveEntry) -> str:
    """The start of the entry's text, short enough to lie within one paragraph on the page."""
    return (entry.text.split("\n")[0] if entry.text else entry.headline)[:_MATCHED_CHARS]


def _wrapper_of(body: etree._Element, entry: LiveEntry, shown: list[tuple[etree._Element, str]],
                firsts: list[str]) -> etree._Element | None:
    """The innermost element showing the entry's first line, widened to its ancestors while they
    show no other entry and not much more than this one (its headline, time, share links)."""
    first = _first_line(entry)
    inner = next((el for el, text in reversed(shown) if first in text), None)
    if inner is None:
        return None
    texts = dict((id(el), text) for el, text in shown)
    limit = len(entry.headline) + len(entry.text) + _ENTRY_FURNITURE_CHARS
    while (parent := inner.getparent()) is not None and parent is not body:
        text = texts.get(id(parent), "")
        headline = next(parent.iter("h1"), None) is not None
        if len(text) > limit or sum(f in text for f in firsts) > 1 or headline:
            break  # past the entry: another entry, the intro, or the live blog's own headline
        inner = parent
    return inner
