"""Text normalisation and block-by-block text extraction from an lxml element."""
from __future__ import annotations

import html
import re
import unicodedata
from typing import NamedTuple

from lxml import etree

# Invisible characters that change bytes but not what a reader sees: zero-width
# space/non-joiner/joiner, word joiner, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# C0 controls, DEL and C1 controls (Unicode category Cc) that are not whitespace: invisible in a
# page, but a terminal obeys ESC and BEL and an XML 1.0 document may not contain C0 ones (§2.2).
# The whitespace ones (tab, form feed, NEL, …) become a space with the other whitespace.
_INVISIBLE.update(dict.fromkeys(c for c in [*range(0x20), *range(0x7f, 0xa0)] if not chr(c).isspace()))

# Elements that start and end a line of text (HTML block-level elements).
BLOCK_TAGS: frozenset[str] = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
    "thead", "tr", "ul", "legend", "option", "listing", "plaintext", "xmp", "frameset",
})

# Table cells share their row's line, separated by a space.
_CELL_TAGS = frozenset({"td", "th"})


_INVISIBLE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "]")


def normalize_line(line: str) -> str:
    """One line as stored: NFC, invisible and control characters removed, whitespace runs -> one space."""
    if not (line.isascii() and line.isprintable()):  # printable ASCII is already NFC, with nothing to remove
        line = unicodedata.normalize("NFC", line)
        if _INVISIBLE_RE.search(line):
            line = line.translate(_INVISIBLE)
    return " ".join(line.split())


def normalize_text(s: str) -> str:
    """Normalise text per line: entities decoded, NFC, whitespace collapsed, empty lines dropped."""
    lines = (normalize_line(html.unescape(line)) for line in s.splitlines())
    return "\n".join(line for line in lines if line)


class Line(NamedTuple):
    """A line of a container's text and how it sits among links."""

    text: str
    linked: float  # the share of its characters inside <a>
    hrefs: tuple[str, ...]  # where its links with text lead


class _LineBuilder:
    """Collects inline text and cuts it into lines at block boundaries and <br>."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.linked: list[float] = []  # per line: share of its characters inside <a>
        self.hrefs: list[tuple[str, ...]] = []  # per line: where its links with text lead
        self._parts: list[str] = []
        self._linked_chars = 0
        self._hrefs: list[str] = []
        self.in_link = 0
        self.href = ""

    def add(self, text: str | None) -> None:
        if text:
            self._parts.append(text)
            if self.in_link:
                size = len(text.strip())
                self._linked_chars += size
                if size and self.href not in self._hrefs:
                    self._hrefs.append(self.href)

    def add_pre(self, text: str | None) -> None:
        """Preformatted text keeps its line breaks."""
        if not text:
            return
        chunks = text.split("\n")
        for i, chunk in enumerate(chunks):
            if i:
                self.cut()
            self.add(chunk)

    def cut(self) -> None:
        if self._parts:
            line = normalize_line("".join(self._parts))
            if line:
                self.lines.append(line)
                self.linked.append(min(1.0, self._linked_chars / max(1, len(line.replace(" ", "")))))
                self.hrefs.append(tuple(self._hrefs))
            self._parts = []
            self._linked_chars = 0
            self._hrefs = []


def _tag(el: etree._Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def block_lines(root: etree._Element, inline_tags: frozenset[str] = frozenset()) -> list[str]:
    """Visible text of root, one line per block; captions stay on one line with their credit."""
    return _walk_lines(root, inline_tags).lines


def linked_lines(root: etree._Element) -> list[Line]:
    """block_lines with, for each line, how much of it sits inside links and where they lead."""
    out = _walk_lines(root, frozenset())
    return list(map(Line, out.lines, out.linked, out.hrefs))


def _walk_lines(root: etree._Element, inline_tags: frozenset[str]) -> _LineBuilder:
    out = _LineBuilder()
    pre_depth = 0
    inline_depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = _tag(el)
        if event == "start":
            if not tag:  # comments and processing instructions carry no text but keep their tail
                continue
            if tag == "br" and not inline_depth:
                out.cut()
            elif tag in BLOCK_TAGS and not inline_depth:
                out.cut()
            elif tag in _CELL_TAGS:
                out.add(" ")
            pre_depth += tag in ("pre", "listing", "xmp")
            inline_depth += tag in inline_tags
            if tag == "a":
                out.in_link += 1
                out.href = (el.get("href") or "").strip()
            (out.add_pre if pre_depth else out.add)(el.text)
        else:
            if tag:
                pre_depth -= tag in ("pre", "listing", "xmp")
                inline_depth -= tag in inline_tags
                out.in_link -= tag == "a"
                if tag in BLOCK_TAGS and tag not in _CELL_TAGS and not inline_depth:
                    out.cut()
                elif tag == "br" and inline_depth:
                    out.add(" ")
            if el is not root:
                (out.add_pre if pre_depth else out.add)(el.tail)
    out.cut()
    return out


def element_text(el: etree._Element) -> str:
    """All text inside an element, as lxml.html's text_content() gives it.

    libxml2's text serializer does the walk in C: half the time of joining itertext() on a
    link, a third of it on a whole page."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)
