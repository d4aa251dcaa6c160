"""Churn on real markup: mutate only the page around the labelled article and see if the cleaned article moves.

For each dev page: rotate the texts of the links that are not part of the label (link lists,
related and trending headlines, menus) and shift the digits of short texts outside the label
(counters, timestamps, view and share counts). The label, the title and captions are never
touched. A page "churns" when its cleaned title, byline, body or captions differ between the
page as serialized and the mutated page: every such page would be stored as a false edit.
"""
from __future__ import annotations

import re
from typing import Protocol

import lxml.html
from lxml import etree

from crawler.cleaner import clean

# Only short texts are counters or timestamps; longer ones are prose.
_COUNTER_CHARS = 60
# Link texts of this many words or fewer are list items or headlines, not sentences.
_LINK_WORDS = 20
_SKIP_TAGS = ("script", "style", "noscript", "template", "title", "h1", "figure", "figcaption", "head")


class LabelledPage(Protocol):
    html: bytes | str
    text: str
    title: str | None
    url: str
    name: str


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text)).lower()


def _outside(text: str, label: str) -> bool:
    """True when the text's words are not a run of the label (or title) words."""
    key = _key(text)
    return bool(key) and f" {key} " not in label


def _skipped(el: etree._Element) -> bool:
    return any(a.tag in _SKIP_TAGS for a in (el, *el.iterancestors()) if isinstance(a.tag, str))


def _shift_digits(text: str) -> str:
    return re.sub(r"\d", lambda m: str((int(m.group()) + 3) % 10), text)


def mutate_outside_label(doc: etree._Element, label: str) -> int:
    """Rotate link texts and shift counters outside the label; returns how many texts changed."""
    links = [a for a in doc.iter("a") if len(a) == 0 and a.text and a.text.strip()
             and len(a.text.split()) <= _LINK_WORDS and _outside(a.text, label) and not _skipped(a)]
    texts = [a.text for a in links]
    for a, text in zip(links, texts[1:] + texts[:1]):
        a.text = text
    changed = len(links) if len(set(texts)) > 1 else 0
    for el in doc.iter():
        if not isinstance(el.tag, str) or _skipped(el):
            continue
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if attr == "tail" and _skipped(el.getparent() if el.getparent() is not None else el):
                continue
            if value and re.search(r"\d", value) and len(value.strip()) <= _COUNTER_CHARS and _outside(value, label):
                setattr(el, attr, _shift_digits(value))
                changed += 1
    return changed


def _cleaned(html: str, url: str) -> tuple:
    a = clean(html, url)
    return a.title, a.byline, a.body, getattr(a, "captions", ())


def page_churns(page: LabelledPage) -> bool | None:
    """Whether the cleaned article changes when only the page around it does (None: nothing to mutate)."""
    label = f" {_key(page.text)} {_key(page.title or '')} "
    try:
        doc = lxml.html.document_fromstring(page.html)
    except (etree.ParserError, ValueError):
        return None
    before = lxml.html.tostring(doc, encoding="unicode")
    if not mutate_outside_label(doc, label):
        return None
    after = lxml.html.tostring(doc, encoding="unicode")
    return _cleaned(before, page.url) != _cleaned(after, page.url)


def churned_pages(pages: list[LabelledPage]) -> tuple[int, int, list[str]]:
    """(pages whose cleaned article changed, pages mutated, their names)."""
    names, total = [], 0
    for page in pages:
        verdict = page_churns(page)
        if verdict is None:
            continue
        total += 1
        if verdict:
            names.append(page.name)
    return len(names), total, names
