"""Line-level furniture: lines of the article container that read as page furniture by words and shape."""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from .metadata import site_host
from .text import Line
from .vocabulary import (
    AD_LINK_PATTERNS, AUTHOR_BIO_LINES, BIO_ROLES, CARD_GAP_CHARS, CARD_GAP_LINES, CARD_TEASER_CHARS, CREDIT_LABELS,
    DATE_LINE_WORDS, FURNITURE_LINE_PATTERNS, LABEL_HEADING_MAX_WORDS, LABEL_HEADING_TOPICS, LABEL_HEADING_WORDS,
    LABEL_ONLY_LINES, LABEL_ONLY_TEXTS, SITE_PAGE_MAX_WORDS, SITE_PAGE_NAMES, SITE_PAGE_WORDS,
    LINKED_LINE_SHARE, MENU_ITEM_MAX_WORDS, RELATED_HEADING_PATTERNS, TEASER_HEADINGS, MENU_ITEMS_MIN, MENU_RUN_MIN, PHOTO_AGENCIES,
    LINK_ROW_MIN, TAG_ROW_MIN, RUN_LINKED_SHARE, SITE_STORY_SHARE, TOOL_BAR_BUTTONS,
    COUNTDOWN_LINE_PATTERNS, LINK_BUTTON_PATTERNS, LINK_BUTTON_TEXTS, LINK_BUTTON_WORDS,
    SHARE_CALL, SHARE_FILLER, SHARE_LINK_PATTERNS, SHARE_SERVICES, VIDEO_HOSTS,
    COUNTER_NOUNS, STAMP_MAX_CHARS, STAMP_OTHER_WORDS, STAMP_VERBS,
)

# Past this length a line is prose, whatever words it starts with.
_MAX_FURNITURE_CHARS = 400
_DATE_LINE_CHARS = 120
# A line of this many words, mostly outside links, is article prose.
PROSE_WORDS = 8
PROSE_CHARS = 40
# Other stories' headlines: linked lines of this many words, at least this many in a row.
HEADLINE_WORDS = 4
RELATED_RUN_MIN = 2  # scripts written without spaces (Chinese, Japanese, Thai)
_LABEL_TRIM = " \t:：»›«‹…|-–—.!·•→←▶►➡\ufe0f"
# A site's legal notice: its copyright or trademarks, ending "All Rights Reserved."
_LEGAL_NOTICE = re.compile(r"(?:©|\(c\)|\bcopyright\b|\btrademarks?\b).*\ball rights reserved\W*$", re.I | re.S)
_FURNITURE_LINE = re.compile("|".join(f"(?:{p})" for p in FURNITURE_LINE_PATTERNS), re.I | re.S)
_RELATED_HEADING = re.compile("|".join(f"(?:{p})" for p in RELATED_HEADING_PATTERNS), re.I)
_COUNTDOWN_LINE = re.compile("|".join(f"(?:{p})" for p in COUNTDOWN_LINE_PATTERNS), re.I)
_LINK_BUTTON = re.compile("|".join(f"(?:{p})" for p in LINK_BUTTON_PATTERNS), re.I)
_BUTTON_TRIM = _LABEL_TRIM + ">»<«()[]"
_SHARE_CALL = re.compile(SHARE_CALL + r" (.+)")
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
    # with no colon: "Image Credit NAME"
    re.compile(r"(?:^|\s)(?:photo|image|picture)\s+credits?\s+[^.!?:]{1,60}$", re.I),
    re.compile(r"(?:^|\s)(?:©|\(c\)|copyright)\s*[^.!?]{1,80}$", re.I),
    re.compile(rf"(?:^|\s)(?:{_AGENCIES})(?:\s*(?:photo|images|pictures))?\s*/\s*"
               rf"(?:[^.!?/]|(?<=\b[A-Z])\.){{1,60}}$", re.I),  # a name's initial may have its period
    re.compile(rf"^(?:{_AGENCIES})(?:\s+(?:photo|photos|images|pictures))?$", re.I),
)


# What a line that is nothing but credits starts with (after separators): a parenthesis, a
# label, an agency or a copyright sign; lines that start otherwise skip the credit patterns.
_CREDIT_START = re.compile(rf"[\s{re.escape(_LABEL_TRIM)},;/]*(?:[(©]|copyright|(?:{_LABELS})\b"
                           rf"|(?:{_AGENCIES})(?:\b|(?=photo|images|pictures)))", re.I)


def is_credit_line(text: str) -> bool:
    """A line that is a photo credit and nothing else ("Photo: NAME, AGENCY", "(Getty Images)")."""
    return bool(_CREDIT_START.match(text)) and not strip_credit(text).strip(_LABEL_TRIM)


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


def _is_label_heading(key: str) -> bool:
    words = key.split()
    return (len(words) <= LABEL_HEADING_MAX_WORDS and all(w in LABEL_HEADING_WORDS for w in words)
            and any(w in LABEL_HEADING_TOPICS for w in words))


def _is_footer_menu(key: str) -> bool:
    words = key.replace(".", " ").split()
    return (len(words) <= SITE_PAGE_MAX_WORDS and all(w in SITE_PAGE_WORDS for w in words)
            and len({w for w in words if w in SITE_PAGE_NAMES}) >= 2)


def _is_date_line(line: str) -> bool:
    if len(line) > _DATE_LINE_CHARS:
        return False
    words = _WORDS.findall(line.lower())
    # Digits alone are a table row or code ("2020-08-01 │ 400"), not a date stamp.
    return (any(w.isdigit() for w in words) and not all(w.isdigit() for w in words)
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
    if "reserved" in line.casefold() and _LEGAL_NOTICE.search(line):  # a site's copyright and trademark paragraph, however long
        return True
    if len(line) > _MAX_FURNITURE_CHARS:
        return False
    key = _label_key(line)
    if (not key or key in LABEL_ONLY_LINES or key in LABEL_ONLY_TEXTS or _is_label_heading(key)
            or _is_footer_menu(key)):
        return True
    if is_credit_line(line):
        return True
    share = _SHARE_CALL.fullmatch(key)  # "Add to Del.icio.us", linked or not
    if share and _is_share_bar(share.group(1)):
        return True
    return (bool(_FURNITURE_LINE.fullmatch(line.strip(_LABEL_TRIM))) or _is_date_line(line) or _is_menu(line)
            or _is_stamp(line) or is_stamp_line(line)
            or bool(_COUNTDOWN_LINE.fullmatch(line.strip(_LABEL_TRIM)))
            or is_embed_signature(line))


@lru_cache(maxsize=4096)
def is_button_line(line: str) -> bool:
    """A link line that is a button ("Learn more", "Shop the sale", "$40 at a store", "Photo"):
    furniture when the whole line is that link, whatever the page links it to."""
    text = line.strip(_BUTTON_TRIM)
    if len(text.split()) > LINK_BUTTON_WORDS:
        return False
    key = text.lower().replace("’", "'")
    if key in LINK_BUTTON_TEXTS or bool(_LINK_BUTTON.fullmatch(text)) or _is_share_bar(key):
        return True
    # buttons side by side with no space between them: "Learn MoreBuy Now"
    parts = _GLUED.split(text)
    return len(parts) > 1 and all(map(is_button_line, parts))


_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _is_share_bar(key: str) -> bool:
    words = key.split()
    return (any(w in SHARE_SERVICES for w in words)
            and all(w in SHARE_SERVICES or w in SHARE_FILLER for w in words))


def _is_prose(line: str, linked: float) -> bool:
    return linked < 0.5 and (len(line.split()) >= PROSE_WORDS or len(line) >= PROSE_CHARS)


def article_lines(lines: list[Line], host: str = "") -> list[str]:
    """Container lines without furniture lines, without the lines wholly inside links before the
    first and after the last prose line (menus, tool bars, related headlines), and without runs
    of headline-like link lines between paragraphs (related and trending lists inside the story).

    A lone link line between paragraphs stays, and so does a list of short link items that lead
    off the site or within the page: an article's own lists of sources, products, tools and
    contents sit there. A run of MENU_RUN_MIN link lines that all lead to the site's own pages
    is its navigation (sections, categories, other stories) and goes, with the short lines
    between its links when it is a row of story cards (section, headline, teaser); so does a
    line made of links and nothing else (a tag list, an inline menu), a line whose links go to
    an ad server, a share service or a video's host, a run of link lines that is mostly buttons
    (a tool bar, with the headline a slot of it shows), and an author's note among the last
    AUTHOR_BIO_LINES lines.
    """
    prose = [i for i, (line, linked, _) in enumerate(lines) if _is_prose(line, linked)]
    first, last = (prose[0], prose[-1]) if prose else (0, len(lines))  # no prose: a page of links
    dropped = _headline_link_runs(lines)
    if prose:
        _mark_site_menus(lines, host, dropped)
    _mark_tool_bars(lines, dropped)
    _mark_related_lists(lines, dropped)
    for i in range(max(0, len(lines) - AUTHOR_BIO_LINES), len(lines)):
        if _AUTHOR_BIO.match(lines[i].text):
            dropped[i] = True  # the author's note at the foot: "NAME is a reporter for …"
    return [line for i, (line, linked, hrefs) in enumerate(lines)
            if not dropped[i] and (first <= i <= last or linked < LINKED_LINE_SHARE)
            and not is_furniture_line(line)
            and not (linked >= LINKED_LINE_SHARE and is_button_line(line))
            and not _is_link_row(lines[i]) and not _is_ad_or_share(lines[i])]


# "Jane Roe is a reporter for …", "NAME is an NBC News freelance producer based in …"
_AUTHOR_BIO = re.compile(rf"[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){{0,3}} (?:is|was) (?:a|an|the) "
                         rf"(?:[\w'’,-]+ ){{0,8}}?(?:{'|'.join(sorted(BIO_ROLES))})s?\b")


_AD_LINK = re.compile("|".join(AD_LINK_PATTERNS), re.I)
_SHARE_LINK = re.compile("|".join(SHARE_LINK_PATTERNS), re.I)


def _is_ad_or_share(line: Line) -> bool:
    """A line whose links all go to an ad server (a text ad); a line mostly inside links that all
    post the page to a share service (a share button, whatever its text says); or the fallback
    line of an embedded video, two or more links that all go to the video's host ("TITLE from
    CHANNEL on Vimeo", in whatever order or words)."""
    if not line.hrefs:
        return False
    if all(map(_AD_LINK.search, line.hrefs)):
        return True
    if line.linked < SITE_STORY_SHARE:
        return False
    if all(map(_SHARE_LINK.search, line.hrefs)):
        return True
    hosts = {site_host(h) for h in line.hrefs}
    return len(line.hrefs) >= 2 and len(hosts) == 1 and hosts <= VIDEO_HOSTS


# What may stand between the links of a tag list: "Hockey, GTA, NHL", "a | b | c".
_ROW_SEPARATORS = ",，、;|•·/"
_ROW_SPLIT = re.compile(f"[{re.escape(_ROW_SEPARATORS)}]")


def _is_link_row(line: Line) -> bool:
    """A line made of links and nothing else: LINK_ROW_MIN links or more (an inline menu), or
    TAG_ROW_MIN short links or more with only separators between them (a tag list)."""
    if len(line.hrefs) < TAG_ROW_MIN:
        return False
    if line.linked >= LINKED_LINE_SHARE and len(line.hrefs) >= LINK_ROW_MIN:
        return True
    chars = len("".join(line.text.split()))
    separators = sum(line.text.count(c) for c in _ROW_SEPARATORS)
    return (separators >= len(line.hrefs) - 1 and chars - line.linked * chars <= separators + 0.5
            and all(len(item.split()) <= MENU_ITEM_MAX_WORDS for item in _ROW_SPLIT.split(line.text)))


def _headline_link_runs(lines: list[Line]) -> list[bool]:
    """Lines in a run of RELATED_RUN_MIN or more consecutive link lines that read like headlines."""
    out = [False] * len(lines)
    for i, j in _runs([linked >= RUN_LINKED_SHARE and len(line.split()) >= HEADLINE_WORDS
                       for line, linked, _ in lines]):
        if j - i >= RELATED_RUN_MIN:
            out[i:j] = [True] * (j - i)
    return out


def _mark_tool_bars(lines: list[Line], out: list[bool]) -> None:
    """Runs of link lines that are at least half buttons ("Post to Digg", "Email", "Print") and
    hold TOOL_BAR_BUTTONS or more: a tool bar, whatever its other links say."""
    for i, j in _runs([line.linked >= LINKED_LINE_SHARE for line in lines]):
        buttons = sum(is_button_line(line.text) for line in lines[i:j])
        if buttons >= TOOL_BAR_BUTTONS and 2 * buttons >= j - i:
            out[i:j] = [True] * (j - i)


def _mark_related_lists(lines: list[Line], out: list[bool]) -> None:
    """The link lines right under the heading of a list of other stories ("Related Industry News")."""
    for i, line in enumerate(lines):
        text = line.text.strip(_LABEL_TRIM)
        if _label_key(text) in TEASER_HEADINGS or _RELATED_HEADING.fullmatch(text):
            j = i + 1
            while j < len(lines) and lines[j].linked >= SITE_STORY_SHARE:
                out[j] = True
                j += 1


def _runs(marks: list[bool]) -> Iterator[tuple[int, int]]:
    """(start, end) of every run of consecutive marks."""
    i = 0
    while i < len(marks):
        j = i
        while j < len(marks) and marks[j]:
            j += 1
        if j > i:
            yield i, j
        i = j + 1


# A teaser is the story's first words cut off: "… on Tuesday, December 1...".
_CUT_OFF = ("...", "…", "[...]", "[…]")


def _mark_site_menus(lines: list[Line], host: str, out: list[bool]) -> None:
    """Runs of link lines that lead to the site's own pages: its menus (lines wholly linked), its
    story lists (headlines with a date or a section beside them: "Levy says no (30 Dec | Spurs)")
    and its story cards (a section link, a headline link, a line of teaser; again)."""
    def is_link(line: Line) -> bool:
        story = line.linked >= SITE_STORY_SHARE and len(line.text.split()) >= HEADLINE_WORDS
        return (bool(line.hrefs) and (line.linked >= LINKED_LINE_SHARE or story)
                and all(_leads_within_site(h, host) for h in line.hrefs))

    def is_gap(line: Line) -> bool:  # a teaser, a date or a section between two cards' links
        text = line.text
        short = len(text) <= CARD_GAP_CHARS or len(text) <= CARD_TEASER_CHARS and text.endswith(_CUT_OFF)
        return short and all(_leads_within_site(h, host) for h in line.hrefs)

    run: list[int] = []
    for i in [*(i for i, line in enumerate(lines) if is_link(line)), None]:
        if (run and i is not None and i - run[-1] <= CARD_GAP_LINES + 1
                and all(map(is_gap, lines[run[-1] + 1:i]))):
            run.append(i)
            continue
        # A menu names different places: one text repeated is not one.
        if len(run) >= MENU_RUN_MIN and len({lines[j].text for j in run}) >= MENU_RUN_MIN:
            start, end = run[0], run[-1] + 1
            # The first card's label, when every card repeats it ("Front Page").
            labels = {line.text for line in lines[start:end]}
            while start and lines[start - 1].text in labels:
                start -= 1
            # The last card's teaser: as many short lines as the widest gap between its links.
            widest = max(b - a - 1 for a, b in zip(run, run[1:]))
            while widest and end < len(lines) and is_gap(lines[end]):
                end, widest = end + 1, widest - 1
            out[start:end] = [True] * (end - start)
        run = [] if i is None else [i]


def _leads_within_site(href: str, host: str) -> bool:
    """A link to another page of the same site (relative, or to the page's own host);
    not a link within the page ("#part"), to a script, or to an address."""
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return False
    if not href.startswith("//") and "://" not in href[:12]:
        return True  # relative: this site
    target = site_host(f"http:{href}" if href.startswith("//") else href)
    return bool(host) and (target == host or target.endswith(f".{host}") or host.endswith(f".{target}"))


# A date in full (month by name or all in digits) or a clock time: what a stamp is made of.
_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-zé]*\.?|janvier|février|mars|avril|mai|"
          r"juin|juillet|août|septembre|octobre|novembre|décembre|januar|februar|märz|juni|juli|oktober|dezember|"
          r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre")
_YEAR = r"(?:\d{4}|'\d{2})\b"
# The signature line under an embedded post: "— Jane Roe (@janeroe) November 7, 2012". The
# post's own text stays; its signature is the embed's furniture, which labels leave out.
_EMBED_SIGNATURE = re.compile(
    rf"[—–-]?\s*[^()]{{1,80}}\(@\w{{1,30}}\)\s+(?:{_MONTH})\s+\d{{1,2}},?\s+\d{{4}}", re.I)
# A day, a month and a year: a stamp by itself.
_FULL_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(?:{_MONTH}),?\s+(?:de\s+)?(?:{_YEAR}|\d{{2}}\b)"
    rf"|\b(?:{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b|\d{2,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日",
    re.I)
# A month and a year, a clock time: a stamp only beside a full date, a time zone or a stamp verb.
_PART_DATE = re.compile(
    rf"\b(?:{_MONTH}),?\s+\d{{4}}\b|\b\d{{1,2}}(?::\d{{2}}){{1,2}}\s*(?:[ap]\.?m\b\.?)?|\b\d{{1,2}}\s*[ap]\.?m\b\.?"
    r"|\b\d{3,4}\s*hrs\b",
    re.I)
_RELATIVE = re.compile(r"\b\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|[smhd])"
                       r"(?:,?\s+\d+\s*(?:minutes?|mins?|seconds?|secs?))?\s+ago\b", re.I)
_ZONES = frozenset({"gmt", "utc", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "bst", "cet", "cest", "ist",
                    "aest", "aedt", "et", "pt", "hkt", "sgt", "jst", "kst"})
# A number and what it counts: "1,902 views", "5 comments"; or a label and its count: "Comments (19)".
_COUNT = re.compile(r"\d[\d,.]*(?:[km]\b)?\+?\s*([^\W\d_]+)|([^\W\d_]+)\s*\(\d[\d,.]*\)", re.I)
# Prices, numbered list items, handles of embedded posts, quoted titles of references, date
# ranges (a schedule) and code are the story's own.
_NOT_STAMP = re.compile(r"[$£€¥₹\"“”«»=<>{}│]|@(?=\w)|::|^\s*\d{1,3}[.)]\s|\d\s*[–-]\s*\d{1,2}\b(?![/.:-])|\s–\s")
_LABEL = re.compile(r"^\W*([^\W\d][^:：]{0,30}?)\s*[:：]\s")
# "… - 6:41am." ends on its clock time, not on a sentence.
_CLOCK_STOP = re.compile(r"(?<=\d[ap]m)\.$|(?<=\d [ap]m)\.$", re.I)
_SENTENCE_END = re.compile(r"[.!?:。！？：]\W*$")
_STAMP_FILLER = frozenset({"by", "on", "at", "in", "of", "the", "and", "from", "via", "to", "le", "am", "um", "el", "de"})


def is_embed_signature(line: str) -> bool:
    """The name, handle and date under an embedded social post."""
    return len(line) <= STAMP_MAX_CHARS and bool(_EMBED_SIGNATURE.fullmatch(line.strip()))


def _other_words(text: str) -> list[str]:
    """The words left once the stamp is taken out, besides date words and fillers."""
    return [w for w in _WORDS.findall(text.lower()) if w not in DATE_LINE_WORDS and w not in _STAMP_FILLER]


def is_stamp_line(line: str) -> bool:
    """A time stamp or a counter with a few words around it (a name, a source, a label):
    "Posted by: Jane on 5:19pm Tue 1 Jan 08", "(Visited 1,902 times, 364 visits today)"."""
    if len(line) > STAMP_MAX_CHARS or not re.search(r"\d", line) or _NOT_STAMP.search(line):
        return False
    words = set(_WORDS.findall(line.lower()))
    if _SENTENCE_END.search(_CLOCK_STOP.sub("", line)) and not words & STAMP_VERBS:
        return False
    label = _LABEL.match(line)  # "Released: June 17, 2025 by Tor Books" is a fact of the story
    if label and not set(_WORDS.findall(label.group(1).lower())) & (STAMP_VERBS | DATE_LINE_WORDS):
        return _is_counter(line)
    without = _RELATIVE.sub(" ", _FULL_DATE.sub(" ", line))
    if without == line and not (words & (STAMP_VERBS | _ZONES)):
        return _is_counter(line)
    rest = _other_words(_PART_DATE.sub(" ", without))
    return (not any(w.isdigit() for w in rest) and len(rest) <= STAMP_OTHER_WORDS) or _is_counter(line)


def _is_counter(line: str) -> bool:
    nouns = COUNTER_NOUNS | ({"times"} if set(_WORDS.findall(line.lower())) & STAMP_VERBS else set())  # "Viewed 12 times"
    counted = [m for m in _COUNT.finditer(line) if (m.group(1) or m.group(2) or "").lower() in nouns]
    if not counted:
        return False
    rest = _other_words(_COUNT.sub(" ", line))
    return not any(w.isdigit() for w in rest) and len(rest) <= STAMP_OTHER_WORDS
