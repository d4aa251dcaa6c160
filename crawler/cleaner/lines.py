"""Line-level furniture: lines of the article container that read as page furniture by words and shape."""
from __future__ import annotations

import re
from functools import lru_cache

from .vocabulary import (
    CREDIT_LABELS, DATE_LINE_WORDS, FURNITURE_LINE_PATTERNS, LABEL_ONLY_LINES, LABEL_ONLY_TEXTS,
    LINKED_LINE_SHARE, MENU_ITEM_MAX_WORDS, MENU_ITEMS_MIN, PHOTO_AGENCIES, RUN_LINKED_SHARE,
)

# Past this length a line is prose, whatever words it starts with.
_MAX_FURNITURE_CHARS = 300
_DATE_LINE_CHARS = 120
# A line of this many words, mostly outside links, is article prose.
PROSE_WORDS = 8
PROSE_CHARS = 40
# Other stories' headlines: linked lines of this many words, at least this many in a row.
HEADLINE_WORDS = 4
RELATED_RUN_MIN = 2  # scripts written without spaces (Chinese, Japanese, Thai)
_LABEL_TRIM = " \t:：»›…|-–—.!·•→←▶►"
_FURNITURE_LINE = re.compile("|".join(f"(?:{p})" for p in FURNITURE_LINE_PATTERNS), re.I | re.S)
_MENU_SPLIT = re.compile(r"\s[|•·]\s")
_WORDS = re.compile(r"[^\W\d_]+|\d+")

_LABELS = "|".join(sorted(map(re.escape, CREDIT_LABELS), key=len, reverse=True))
_AGENCIES = "|".join(sorted(map(re.escape, PHOTO_AGENCIES), key=len, reverse=True))
# A credit at the end of a caption or alone on a line: "Photo: NAME, AGENCY", "(Getty Images)",
# "(AP Photo/Evan Vucci)", "© NAME", "REUTERS/NAME", "Picture: X Source: Y".
_TRAILING_CREDITS = (
    re.compile(rf"(?:^|\s)\((?:[^()]{{0,60}}\b(?:{_AGENCIES})\b[^()]{{0,60}}|(?:{_LABELS})\s*(?:by)?\s*[:：][^()]{{0,80}})\)\s*$", re.I),
    re.compile(rf"(?:^|\s)(?:{_LABELS})(?:\s+by)?\s*[:：|]\s*[^!?:]{{1,80}}(?:\s(?:{_LABELS})\s*[:：]\s*[^!?:]{{1,60}})?$", re.I),
    re.compile(rf"(?:^|\s)(?:{_LABELS})\s+by\s+[^.!?:]{{1,60}}$", re.I),
    re.compile(r"(?:^|\s)(?:©|\(c\)|copyright)\s*[^.!?]{1,80}$", re.I),
    re.compile(rf"(?:^|\s)(?:{_AGENCIES})(?:\s*(?:photo|images|pictures))?\s*/\s*[^.!?/]{{1,60}}$", re.I),
    re.compile(rf"^(?:{_AGENCIES})(?:\s+(?:photo|photos|images|pictures))?$", re.I),
)


def strip_credit(text: str) -> str:
    """The caption without its trailing photo credit (credits are not article text)."""
    for _ in range(3):  # "… Picture: X Source: Y" and "(Getty Images) Photo: X" stack
        for pattern in _TRAILING_CREDITS:
            match = pattern.search(text)
            if match:
                text = text[:match.start()].rstrip(" ,;|/-–—")
                break
        else:
            return text
    return text


def _label_key(text: str) -> str:
    return text.strip(_LABEL_TRIM).lower().replace("’", "'")


def _is_date_line(line: str) -> bool:
    words = _WORDS.findall(line.lower())
    # Digits alone are a table row or code ("2020-08-01 │ 400"), not a date stamp.
    return (len(line) <= _DATE_LINE_CHARS and any(w.isdigit() for w in words) and not all(w.isdigit() for w in words)
            and all(w.isdigit() or w in DATE_LINE_WORDS for w in words))


_STAMP_SPLIT = re.compile(r"\s[|•·—–-]\s|[;,]\s")


def _is_stamp(line: str) -> bool:
    """"Le Monde | 04.05.2015 à 13h36 • Mis à jour le … | Par", "New Delhi, January 11, 2008",
    "December 27, 2007; Page A7": date segments and short labels (a place, a page, a name)."""
    if len(line) > _DATE_LINE_CHARS:
        return False
    items = [item for item in _STAMP_SPLIT.split(f" {line.strip(' |•·')} ") if item.strip()]
    return (len(items) > 1 and any(_is_date_line(item) for item in items)
            and all(_is_date_line(item) or len(item.split()) <= 2 for item in items))


def _is_menu(line: str) -> bool:
    items = _MENU_SPLIT.split(f" {line.strip(' |•·')} ")
    return len(items) >= MENU_ITEMS_MIN and all(len(item.split()) <= MENU_ITEM_MAX_WORDS for item in items)


@lru_cache(maxsize=4096)  # a site repeats its furniture lines on every page
def is_furniture_line(line: str) -> bool:
    """A credit, label, date stamp, menu, copyright, sign-up, follow or tool line."""
    if len(line) > _MAX_FURNITURE_CHARS:
        return False
    key = _label_key(line)
    if not key or key in LABEL_ONLY_LINES or key in LABEL_ONLY_TEXTS:
        return True
    if not strip_credit(line).strip(_LABEL_TRIM):
        return True
    return bool(_FURNITURE_LINE.fullmatch(line.strip(_LABEL_TRIM))) or _is_date_line(line) or _is_menu(line) or _is_stamp(line)


def _is_prose(line: str, linked: float) -> bool:
    return linked < 0.5 and (len(line.split()) >= PROSE_WORDS or len(line) >= PROSE_CHARS)


def article_lines(lines: list[tuple[str, float]]) -> list[str]:
    """Container lines without furniture lines, without the lines wholly inside links before the
    first and after the last prose line (menus, tool bars, related headlines), and without runs
    of headline-like link lines between paragraphs (related and trending lists inside the story).

    A lone link line or a list of short link items between paragraphs stays: an article's own
    lists of sources, products or tools sit there.
    """
    prose = [i for i, (line, linked) in enumerate(lines) if _is_prose(line, linked)]
    first, last = (prose[0], prose[-1]) if prose else (0, len(lines))  # no prose: a page of links
    linked_run = _headline_link_runs(lines)
    return [line for i, (line, linked) in enumerate(lines)
            if not is_furniture_line(line) and not linked_run[i]
            and (first <= i <= last or linked < LINKED_LINE_SHARE)]


def _headline_link_runs(lines: list[tuple[str, float]]) -> list[bool]:
    """Lines in a run of RELATED_RUN_MIN or more consecutive link lines that read like headlines."""
    marks = [linked >= RUN_LINKED_SHARE and len(line.split()) >= HEADLINE_WORDS for line, linked in lines]
    out = [False] * len(lines)
    i = 0
    while i < len(marks):
        j = i
        while j < len(marks) and marks[j]:
            j += 1
        if j - i >= RELATED_RUN_MIN:
            out[i:j] = [True] * (j - i)
        i = j + 1
    return out
