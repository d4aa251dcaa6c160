"""Churn on real markup: mutate only the page around the labelled article and see if the cleaned article moves.

For each dev page: rotate the texts of the links in link lists (list items, blocks that are
mostly links: menus, related and trending headlines) that are not part of the label, and shift
the digits of counters and timestamps outside the label (view, share and comment counts,
"Updated 5 minutes ago", dates). The label, the title and captions are never
touched. A page "churns" when its cleaned title, byline, body or captions differ between the
page as serialized and the mutated page: every such page would be stored as a false edit.

Run alone to see what moved:  .venv/bin/python bench/churn_real.py [--sets a,b] [--show N]
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path
from typing import Protocol

import lxml.html
from lxml import etree

from crawler.cleaner import clean
from crawler.cleaner.encoding import decode_html

# Only short texts are counters or timestamps; longer ones are prose.
_COUNTER_CHARS = 60
# Link texts of this many words or fewer are list items or headlines, not sentences.
_LINK_WORDS = 20
_SKIP_TAGS = ("script", "style", "noscript", "template", "title", "h1", "figure", "figcaption", "head")


class LabelledPage(Protocol):
    html: bytes | str
    text: str
    title: str | None
    author: str | None
    url: str
    name: str


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text)).lower()


def _outside(text: str, label: str) -> bool:
    """True when the text's words are not a run of the label (or title) words."""
    key = _key(text)
    return bool(key) and f" {key} " not in label


_BLOCKS = frozenset({"p", "li", "td", "th", "tr", "dd", "dt", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "div", "section", "article", "table", "ul", "ol", "pre"})


def _block_in_label(el: etree._Element, label: str, cache: dict) -> bool:
    """The text node's nearest block is mostly label text: the label only formats it differently
    (tables flattened to "a | b", lists to "- item"), so it is the article, not the page around it."""
    block = next((a for a in (el, *el.iterancestors()) if a.tag in _BLOCKS), None)
    if block is None:
        return False
    if block not in cache:
        words = _key(block.text_content()).split()
        grams = [" ".join(words[i:i + 4]) for i in range(len(words) - 3)]
        cache[block] = bool(grams) and sum(f" {g} " in label for g in grams) >= 0.5 * len(grams)
    return cache[block]


def _is_author_link(a: etree._Element) -> bool:
    """The byline's own link, by its markup: its text is the author's name whether the cleaner
    takes it as a byline or not, and does not change between fetches."""
    return (a.get("rel") == "author" or "/author/" in (a.get("href") or "")
            or any(x.get("itemprop") == "author" for x in (a, *a.iterancestors())))


def _skipped(el: etree._Element) -> bool:
    return any(a.tag in _SKIP_TAGS for a in (el, *el.iterancestors()) if isinstance(a.tag, str))


# What changes between two fetches of the same article: counters and timestamps.
_COUNTER = re.compile(
    r"^\W*\d[\d,.]*\W*$|\d[\d,.]*\s*(?:k\b|m\b)?\s*(?:comments?|views?|shares?|likes?|reads?|visits?|times|"
    r"replies|votes|followers|reactions|minutes?|mins?|hours?|hrs?|h|m|days?|weeks?|ago|seconds?|secs?)\b|"
    r"\b(?:updated|posted|published|ago|today|yesterday)\b|\d{1,2}:\d{2}|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b|\b\d{1,2} (?:jan|feb|mar|apr|may|"
    r"jun|jul|aug|sep|oct|nov|dec)", re.I)


def _link_list(a: etree._Element) -> etree._Element | None:
    """The list a link belongs to: the list around its list item, or the block around it that is
    mostly links (menus, related and trending lists); None for a link in prose."""
    for ancestor in a.iterancestors():
        if ancestor.tag == "li":
            parent = ancestor.getparent()
            return parent if parent is not None else ancestor
        if ancestor.tag in _BLOCKS:
            text = len(_key(ancestor.text_content())) or 1
            linked = sum(len(_key(x.text_content())) for x in ancestor.iter("a"))
            return ancestor if linked >= 0.5 * text else None
    return None


# A number as counters and timestamps write it: "1,902", "5:19pm", "12th", "1.2k", "2008-01-07".
# Digits glued to Latin letters ("7AM2M Sonic", "HDMI400", "26mm") name a product or a measure
# in the story, which does not change between fetches.
_NUMBER = re.compile(r"(?<![A-Za-z\d])\d[\d,.:/-]*(?:st|nd|rd|th|am|pm|k|m|h)?(?![A-Za-z\d])", re.I)


def _shift_digits(text: str) -> str:
    shift = lambda m: re.sub(r"\d", lambda d: str((int(d.group()) + 3) % 10), m.group())  # noqa: E731
    return _NUMBER.sub(shift, text)


def mutate_outside_label(doc: etree._Element, label: str, across_lists: bool = False) -> int:
    """Rotate link texts and shift counters outside the label; returns how many texts changed.

    Link texts rotate within each link list: a trending list shows other headlines, a menu its
    items in another order. With across_lists, they rotate over the whole page instead, so a
    headline can land in a share button or a skip link: harsher than any real page's churn.
    """
    cache: dict = {}
    links = [a for a in doc.iter("a") if len(a) == 0 and a.text and a.text.strip()
             and len(a.text.split()) <= _LINK_WORDS and _outside(a.text, label) and not _skipped(a)
             and not _is_author_link(a)
             and _link_list(a) is not None and not _block_in_label(a, label, cache)]
    groups: dict = {}
    for a in links:
        groups.setdefault(None if across_lists else _link_list(a), []).append(a)
    changed = 0
    for group in groups.values():
        if len({a.get("href") for a in group}) < 2:
            continue  # one link split in pieces ("<a>Photos: 'Idol</a>' <a>judges</a>"), not a list
        texts = [a.text for a in group]
        for a, text in zip(group, texts[1:] + texts[:1]):
            a.text = text
        changed += len(group) if len(set(texts)) > 1 else 0
    for el in doc.iter():
        if not isinstance(el.tag, str) or _skipped(el):
            continue
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if attr == "tail" and _skipped(el.getparent() if el.getparent() is not None else el):
                continue
            owner = el if attr == "text" else el.getparent()
            if (value and re.search(r"\d", value) and len(value.strip()) <= _COUNTER_CHARS and _COUNTER.search(value)
                    and _outside(value, label) and not _block_in_label(owner, label, cache)):
                shifted = _shift_digits(value)
                changed += shifted != value
                setattr(el, attr, shifted)
    return changed


def _cleaned(html: str, url: str) -> tuple:
    a = clean(html, url)
    return a.title, a.byline, a.body, getattr(a, "captions", ())


def page_churns(page: LabelledPage, across_lists: bool = False) -> bool | None:
    """Whether the cleaned article changes when only the page around it does (None: nothing to mutate)."""
    pair = cleaned_pair(page, across_lists)
    return None if pair is None else pair[0] != pair[1]


def cleaned_pair(page: LabelledPage, across_lists: bool = False) -> tuple[tuple, tuple] | None:
    """The cleaned (title, byline, body, captions) of the page as serialized and as mutated."""
    html = page.html if isinstance(page.html, str) else decode_html(page.html, None)[0]
    # The byline is article content too (labels leave it out): its names are never mutated.
    names = " ".join(clean(html, page.url).byline + (getattr(page, "author", None) or "",))
    label = f" {_key(page.text)} {_key(page.title or '')} {_key(names)} "
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    before = lxml.html.tostring(doc, encoding="unicode")
    if not mutate_outside_label(doc, label, across_lists):
        return None
    after = lxml.html.tostring(doc, encoding="unicode")
    return _cleaned(before, page.url), _cleaned(after, page.url)


def churned_pages(pages: list[LabelledPage], across_lists: bool = False) -> tuple[int, int, list[str]]:
    """(pages whose cleaned article changed, pages mutated, their names)."""
    names, total = [], 0
    for page in pages:
        verdict = page_churns(page, across_lists)
        if verdict is None:
            continue
        total += 1
        if verdict:
            names.append(page.name)
    return len(names), total, names


def changed_lines(before: tuple, after: tuple) -> list[str]:
    """The cleaned lines that differ, as '- old' / '+ new', field by field."""
    out = []
    for name, old, new in zip(("title", "byline", "body", "captions"), before, after):
        old_lines = old.split("\n") if isinstance(old, str) else list(old or ())
        new_lines = new.split("\n") if isinstance(new, str) else list(new or ())
        diff = difflib.unified_diff(old_lines, new_lines, lineterm="", n=0)
        out += [f"{name}: {ln}" for ln in diff if ln[:1] in "+-" and ln[:3] not in ("---", "+++")]
    return out


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import extraction  # the dev-set loaders; imported here because extraction imports this module

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", help="comma-separated set names (default: the four dev sets)")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print the changed cleaned lines of the first N churned pages per set")
    parser.add_argument("--across-lists", action="store_true",
                        help="rotate link texts over the whole page, not within each list (harsher than real churn)")
    args = parser.parse_args()
    wanted = set(args.sets.split(",")) if args.sets else None
    for spec in extraction.SETS:
        if spec.name == "fixtures" or (wanted and spec.name not in wanted):
            continue
        churned, total = [], 0
        for page in spec.load():
            pair = cleaned_pair(page, args.across_lists)
            if pair is None:
                continue
            total += 1
            if pair[0] != pair[1]:
                churned.append((page, changed_lines(*pair)))
        print(f"{spec.name}: {len(churned)}/{total} ({100 * len(churned) / max(total, 1):.1f}%) pages churn")
        for page, lines in churned[:args.show]:
            print(f"\n### {page.name} ({page.url})")
            print("\n".join(f"  {extraction._short(ln)}" for ln in lines[:20]))
        print()


if __name__ == "__main__":
    main()
