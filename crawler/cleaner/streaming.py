"""Put the parts of a page streamed by React's server renderer back where the browser shows them."""
from __future__ import annotations

import re

from lxml import etree

# React 18+ streaming SSR (react-dom/server "Fizz", used by the Next.js app router) sends a
# placeholder first - `<!--$?--><template id="B:1"></template>Loading…<!--/$-->` for a Suspense
# boundary, `<template id="P:1">` for a segment - and the content later, at the end of <body>, in
# `<div hidden id="S:1">`; an inline script ($RC / $RS) moves it into place. We run no scripts,
# so without this the article sits in a hidden div and readers' text is only "Loading…".
_PLACEHOLDER = re.compile(r"<template id=[\"']?[BP]:")


def is_streamed(text: str) -> bool:
    """Cheap test on the raw HTML, so that other pages are parsed as before."""
    return "<template" in text and _PLACEHOLDER.search(text) is not None


def reveal_streamed(root: etree._Element) -> None:
    """Move each hidden `S:` segment into its template's place, dropping the boundary's fallback."""
    segments = {el.get("id")[2:]: el for el in root.iter("div")
                if el.get("hidden") is not None and (el.get("id") or "").startswith("S:")}
    for template in list(root.iter("template")):
        ident = template.get("id") or ""
        segment = segments.get(ident[2:]) if ident[:2] in ("B:", "P:") else None
        if segment is None or template.getparent() is None:
            continue
        if ident.startswith("B:"):
            _drop_fallback(template)
        _replace(template, segment)


def _drop_fallback(template: etree._Element) -> None:
    """The siblings between the template and the boundary's closing `<!--/$-->` comment."""
    opening = template.getprevious()
    if not (isinstance(opening, etree._Comment) and (opening.text or "").startswith("$")):
        return  # comments stripped by whoever saved the page: the fallback cannot be told apart
    doomed, depth = [], 0
    for sibling in template.itersiblings():
        mark = (sibling.text or "") if isinstance(sibling, etree._Comment) else None
        if mark == "/$" and depth == 0:
            doomed.append(sibling)
            break
        depth += (mark is not None and mark.startswith("$")) - (mark == "/$")
        doomed.append(sibling)
    for el in [opening, *doomed]:
        el.getparent().remove(el)


def _replace(template: etree._Element, segment: etree._Element) -> None:
    """The segment's text and children where the template stood, then whatever followed the template."""
    parent, previous = template.getparent(), template.getprevious()
    index, tail, children = parent.index(template), template.tail or "", list(segment)
    parent.remove(template)  # lxml removes the tail with it: kept above
    _append_text(parent, previous, segment.text or "")
    segment.text = None
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    _append_text(parent, children[-1] if children else previous, tail)


def _append_text(parent: etree._Element, before: etree._Element | None, text: str) -> None:
    if not text:
        return
    if before is None:
        parent.text = (parent.text or "") + text
    else:
        before.tail = (before.tail or "") + text
