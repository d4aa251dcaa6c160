"""Find the element that holds the article text by scoring paragraphs (Readability-style)."""
from __future__ import annotations

import re

from lxml import etree

from .prune import class_tokens, drop, is_wrapper, script_controls
from .text import BLOCK_TAGS, element_text
from .vocabulary import CONTAINER_NEGATIVE_RE, CONTAINER_POSITIVE_RE, MAX_PRUNE_SHARE, PROMO_LINE_LABELS


# Elements scored as paragraphs; divs count too when they hold only inline content.
_PARAGRAPH_TAGS = ("p", "pre", "td", "blockquote", "div", "section", "h2", "h3", "h4", "h5", "h6")
_MIN_PARAGRAPH = 25
_ANCESTOR_LEVELS = 5
_COMMAS = re.compile(r"[,，、،]")
# Starting score of a candidate container by tag (Readability's initializeNode).
_TAG_BONUS = {"div": 5, "article": 5, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
              "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
              "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}


def class_weight(el: etree._Element) -> int:
    """+25 for article-ish class/id words, -25 for furniture-ish ones (Readability's weights)."""
    tokens = class_tokens(el).replace("_", "-")
    if not tokens:
        return 0
    return 25 * (bool(CONTAINER_POSITIVE_RE.search(tokens)) - bool(CONTAINER_NEGATIVE_RE.search(tokens)))


def _inner_text(el: etree._Element) -> str:
    return " ".join(element_text(el).split())


def link_density(el: etree._Element, text_len: int | None = None,
                 link_lengths: dict[etree._Element, float] | None = None) -> float:
    """Share of the element's text that sits inside links. `link_lengths`: the weighted length of
    each link already measured, for callers that measure nested elements of an unchanged tree."""
    total = text_len if text_len is not None else len(_inner_text(el))
    if not total:
        return 0.0
    linked = 0.0
    for a in el.iter("a"):
        length = None if link_lengths is None else link_lengths.get(a)
        if length is None:
            weight = 0.3 if (a.get("href") or "").startswith("#") else 1.0  # in-page anchors are not navigation
            length = weight * len(_inner_text(a))
            if link_lengths is not None:
                link_lengths[a] = length
        linked += length
    return min(linked / total, 1.0)


def _is_paragraph(el: etree._Element) -> bool:
    if el.tag in ("div", "section"):
        return not any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS and c.tag != "br" for c in el)
    return True


def score_candidates(body: etree._Element) -> dict[etree._Element, float]:
    """Content score per ancestor of each paragraph, scaled by (1 - link density)."""
    scores: dict[etree._Element, float] = {}
    for el in body.iter(*_PARAGRAPH_TAGS):
        if not _is_paragraph(el):
            continue
        text = _inner_text(el)
        if len(text) < _MIN_PARAGRAPH:
            continue
        points = 1 + len(_COMMAS.findall(text)) + min(len(text) // 100, 3)
        ancestor = el.getparent()
        for level in range(_ANCESTOR_LEVELS):
            if ancestor is None or not isinstance(ancestor.tag, str):
                break
            if ancestor not in scores:
                scores[ancestor] = _TAG_BONUS.get(ancestor.tag, 0) + class_weight(ancestor)
            scores[ancestor] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
            ancestor = ancestor.getparent()
    link_lengths: dict[etree._Element, float] = {}  # the candidates nest: measure each link once
    for el in scores:
        scores[el] *= 1 - link_density(el, link_lengths=link_lengths)
    return scores


def _common_ancestor(top: etree._Element, others: list[etree._Element]) -> etree._Element:
    """Readability: when several strong candidates share an ancestor, the article is that ancestor."""
    parent = top.getparent()
    while parent is not None and parent.tag not in ("body", "html"):
        hits = sum(1 for o in others if parent in set(o.iterancestors()) or o is parent)
        if hits >= 3:
            return parent
        parent = parent.getparent()
    return top


def _climb_while_rising(top: etree._Element, scores: dict[etree._Element, float]) -> etree._Element:
    """Readability: if scores go *up* a few steps above the winner, more content lurks there."""
    last = scores[top]
    threshold = last / 3
    parent = top.getparent()
    while parent is not None and parent.tag not in ("body", "html"):
        if parent in scores:
            if scores[parent] < threshold:
                break
            if scores[parent] > last:
                return parent
            last = scores[parent]
        parent = parent.getparent()
    return top


def find_article(body: etree._Element) -> list[etree._Element]:
    """The article container and the siblings that belong with it, in page order ([] if none)."""
    scores = score_candidates(body)
    top = best_container(body, scores)
    if top is None:
        return []
    top, points = _widen_to_prose_run(top)  # the winner's paragraph points, measured once
    return story_parts(top, article_nodes(top, body, scores, points), points)


# A winner holding under this share of an ancestor's paragraph points is one box of the article
# (a key-points box, an author card, one product of a guide), not the article.
_SMALL_SHARE = 0.4
_WIDEN_LEVELS = 4
_LANDMARKS = ("article", "main")


def _widen_to_prose_run(top: etree._Element) -> tuple[etree._Element, float]:
    """The nearest ancestor that holds several times the winner's prose, without turning into a link list.

    Paragraph scores reach only five levels up, so prose nested deeper (guides built of product
    blocks, checklists of cards) cannot lift the container that holds it. Each level adds only
    the siblings of the level below, so the page is walked once, not once per level.
    Returns the container and its paragraph points.
    """
    own, count = _paragraph_stats(top)
    points, links = own, sum(1 for _ in top.iter("a"))
    best, best_points, child = top, own, top
    link_lengths: dict[etree._Element, float] = {}
    for _ in range(_WIDEN_LEVELS):
        ancestor = child.getparent()
        if child.tag in _LANDMARKS or ancestor is None or ancestor.getparent() is None \
                or ancestor.getparent().tag in ("body", "html"):
            break  # the page says where its article ends; the page's own wrapper holds sidebars too
        for sibling in ancestor:
            if sibling is not child and isinstance(sibling.tag, str):
                found, more = _paragraph_stats(sibling)
                points, count, links = points + found, count + more, links + sum(1 for _ in sibling.iter("a"))
        if (points * _SMALL_SHARE > own and links <= 0.5 * count and class_weight(ancestor) >= 0
                and link_density(ancestor, link_lengths=link_lengths) < 0.33):
            best, best_points = ancestor, points
        child = ancestor
    return best, best_points


def best_container(body: etree._Element, scores: dict[etree._Element, float] | None = None) -> etree._Element | None:
    """The highest-scoring element (or the ancestor shared by the strongest candidates)."""
    scores = score_candidates(body) if scores is None else scores
    if not scores:
        return None
    ranked = sorted(scores, key=scores.get, reverse=True)
    top = ranked[0]
    strong = [c for c in ranked[1:5] if scores[c] >= 0.75 * scores[top]]
    if len(strong) >= 3:
        top = _common_ancestor(top, strong)
    if top in scores:
        top = _climb_while_rising(top, scores)
    # A container that is its parent's only child says nothing the parent does not.
    while top.getparent() is not None and top.getparent().tag not in ("body", "html") and len(top.getparent()) == 1:
        top = top.getparent()
    return top


def article_nodes(top: etree._Element, body: etree._Element, scores: dict[etree._Element, float],
                  top_points: float | None = None) -> list[etree._Element]:
    """The container plus siblings that score like it (Readability's sibling pass)."""
    parent = top.getparent()
    if parent is None or top is body:
        return [top]
    top_score = scores.get(top, 0.0)
    threshold = max(10.0, top_score * 0.2)
    top_points = top_points or 0.0
    nodes = []
    for sibling in parent:
        if not isinstance(sibling.tag, str):
            continue
        if sibling is top:
            nodes.append(sibling)
            continue
        bonus = top_score * 0.2 if top.get("class") and sibling.get("class") == top.get("class") else 0.0
        if (scores.get(sibling, 0.0) + bonus >= threshold or _is_loose_paragraph(sibling)
                or _continues_article(sibling, top_points := top_points or content_points(top))):
            nodes.append(sibling)
    return nodes


# Class tokens too generic to say two blocks are parts of the same story.
_GENERIC_CLASSES = frozenset({"clearfix", "row", "col", "container", "wrapper", "inner", "section", "module",
                              "block", "content", "group", "item", "box", "wrap", "clear", "cf", "grid"})
_PART_LEVELS = 3
# Utility-first CSS (Tailwind and the like) names layout, not content: `w-full`, `lg:sticky`,
# `px-6`, `max-w-[880px]` sit on a story's column and on the sidebar beside it alike.
_UTILITY = re.compile(
    r"[^:\[]*[:\[]"  # a variant (`lg:`, `md:`) or an arbitrary value (`[880px]`)
    r"|(?:flex|grid|sticky|relative|absolute|hidden|block|inline|inline-block|mx-auto)$"
    r"|-?(?:w|h|min-w|max-w|min-h|max-h|[pm][xytblrse]?|gap|space-[xy]|text|bg|flex|grid|items|justify|self"
    r"|font|leading|tracking|border|rounded|shadow|z|top|left|right|bottom|inset|order|basis|col-span|row-span)"
    r"-(?:\d[\w./]*|px|auto|full|screen|none|xs|sm|md|lg|xl|\dxl|base|center|left|right|start|end|between"
    r"|col|row|wrap|semibold|bold|medium|normal|white|black|transparent|[a-z]+-\d{2,3})$")


def story_parts(top: etree._Element, nodes: list[etree._Element],
                top_points: float | None = None) -> list[etree._Element]:
    """Blocks elsewhere near the container that share its class (`story-body-1`, `story-body-2`).

    Long stories are often cut into several same-class blocks with ads or photos between
    them, not all of them siblings of the best-scoring one.
    """
    mine = {t for t in (top.get("class") or "").split() if t.lower() not in _GENERIC_CLASSES and not _UTILITY.match(t)}
    ancestor = top
    for _ in range(_PART_LEVELS):
        ancestor = ancestor.getparent() if ancestor.getparent() is not None else ancestor
    if not mine or ancestor.tag in ("body", "html"):
        return nodes
    top_points = content_points(top) if top_points is None else top_points
    found = list(nodes)
    for el in ancestor.iter(top.tag):
        if el in found or any(n in found for n in el.iterancestors()) or any(el in set(n.iterancestors()) for n in found):
            continue
        if mine & set((el.get("class") or "").split()) and content_points(el) >= max(5.0, 0.1 * top_points):
            found.append(el)
    order = {el: i for i, el in enumerate(ancestor.iter())}
    return sorted(found, key=lambda el: order.get(el, -1))


def content_points(el: etree._Element) -> float:
    """Paragraph points at any depth (scores only reach 5 levels up; long stories nest deeper)."""
    return _paragraph_stats(el)[0]


def _paragraph_stats(el: etree._Element) -> tuple[float, int]:
    points, count = 0.0, 0
    for p in el.iter(*_PARAGRAPH_TAGS):
        if not _is_paragraph(p):
            continue
        text = _inner_text(p)
        if len(text) >= _MIN_PARAGRAPH:
            points += (1 + len(_COMMAS.findall(text)) + min(len(text) // 100, 3)) * (1 - link_density(p, len(text)))
            count += 1
    return points, count


def _continues_article(sibling: etree._Element, top_points: float) -> bool:
    """A sibling carrying a good share of real paragraphs is the rest of a split-up story.

    Teaser lists also have paragraphs (excerpts), but each comes with its own links.
    """
    if sibling.tag in ("ul", "ol", "table") or class_weight(sibling) < 0:
        return False
    points, count = _paragraph_stats(sibling)
    links = sum(1 for _ in sibling.iter("a"))
    return points >= max(10.0, 0.3 * top_points) and links <= 0.5 * count and link_density(sibling) < 0.33


def _is_loose_paragraph(el: etree._Element) -> bool:
    if el.tag != "p":
        return False
    text = _inner_text(el)
    density = link_density(el, len(text))
    return (len(text) > 80 and density < 0.25) or (0 < len(text) <= 80 and density == 0 and
                                                    re.search(r"\.( |$)", text) is not None)


# A write-up is a sentence or more; teaser cards carry a headline link of a few words.
_WRITE_UP_CHARS = 100
# A teaser's excerpt is shorter than this; a paragraph of the story can be as long.
_STORY_PARAGRAPH_CHARS = 300


def _remove_conditionally(el: etree._Element) -> bool:
    """Readability's _cleanConditionally: link farms, widget lists and empty shells inside the article."""
    if el.tag == "div" and _is_paragraph(el):
        return False  # a div of inline text is a paragraph in div-soup layouts
    text = _inner_text(el)
    if len(_COMMAS.findall(text)) >= 10:
        return False
    weight = class_weight(el)
    density = link_density(el, len(text))
    paragraphs = sum(1 for _ in el.iter("p"))
    images = sum(1 for _ in el.iter("img"))
    items = sum(1 for _ in el.iter("li")) - 100
    is_list = el.tag in ("ul", "ol") or _mostly_list(el, len(text))
    if weight < 0:
        return not _holds_article_prose(el, density)
    return ((images > 1 and paragraphs / images < 0.5 and paragraphs + _div_paragraphs(el) < images)
            or (not is_list and items > paragraphs)
            or (not is_list and len(text) < 25 and (images == 0 or images > 2) and density > 0)
            or (not is_list and weight < 25 and density > 0.2 and not _holds_link_free_paragraph(el))
            or (weight >= 25 and density > 0.5))


def _holds_link_free_paragraph(el: etree._Element) -> bool:
    """A paragraph of _STORY_PARAGRAPH_CHARS or more with (almost) no links: a write-up, not a teaser.
    Its block's links are then its own ("Read the full review", "Compare deals"): how long their
    texts are says nothing about whether the block is the story's."""
    for p in el.iter("p"):
        text = _inner_text(p)
        if len(text) >= _STORY_PARAGRAPH_CHARS and link_density(p, len(text)) < 0.05:
            return True
    return False


def _holds_article_prose(el: etree._Element, density: float) -> bool:
    """A block named like furniture (`product-widget`, `media-block`) that reads as several
    paragraphs with few links is a part of the article: a buying guide's product write-up."""
    if density >= 0.2:
        return False
    points, count = _paragraph_stats(el)
    return count >= 3 and points >= 10 and sum(1 for _ in el.iter("a")) <= 0.5 * count


def _div_paragraphs(el: etree._Element) -> int:
    """Sentences written as divs of inline text without links (cards of an icon, a name and a write-up)."""
    count = 0
    for div in el.iter("div"):
        if div is not el and _is_paragraph(div):
            text = _inner_text(div)
            count += len(text) >= _WRITE_UP_CHARS and link_density(div, len(text)) == 0
    return count


def _mostly_list(el: etree._Element, text_len: int) -> bool:
    """A block whose text is over 90% list items is a list (reference lists, link lists)."""
    if not text_len:
        return False
    outermost = [lst for lst in el.iter("ul", "ol") if not _inside_list(lst, el)]
    return sum(len(_inner_text(lst)) for lst in outermost) / text_len > 0.9


def _inside_list(lst: etree._Element, stop: etree._Element) -> bool:
    for ancestor in lst.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in ("ul", "ol"):
            return True
    return False


def clean_container(container: etree._Element) -> None:
    """Drop link-heavy or empty non-paragraph blocks inside the chosen container.

    Over-pruning guard: a block holding most of the container's text is the article.
    """
    total = len(_inner_text(container)) or 1
    doomed = [el for el in container.iter("div", "section", "ul", "ol", "table", "form", "fieldset")
              if el is not container and not is_wrapper(el) and _remove_conditionally(el)
              and len(_inner_text(el)) <= MAX_PRUNE_SHARE * total]
    # Script controls go last: as links they count toward the link density of the blocks above.
    for el in doomed + script_controls(container):
        drop(el)


_PROMO_BULLETS = " >»›-–—•·*➡️→"
_PROMO_LABEL = re.compile(r"^\s*([^:：|]{2,30}?)\s*[:：|]\s*(.+)$", re.S)
# "Check out the pier" is as often a sentence as a promo.
_SENTENCE_STARTS = frozenset({"check out", "click here"})
# Labels of two words or more can lead into the link with no colon; one word ("Watch", "Opinion")
# may as well start a sentence.
_PROMO_LEAD = re.compile(
    "^[" + re.escape(_PROMO_BULLETS) + "]*(?:"
    + "|".join(sorted((re.escape(label) for label in PROMO_LINE_LABELS
                        if " " in label and label not in _SENTENCE_STARTS), key=len, reverse=True))
    + r")(?: our(?: full)?)?\s+")


def is_promo_line(el: etree._Element) -> bool:
    """"Related: <a>Another story</a>" - a label, a colon and a link to elsewhere; or a label of
    two words or more leading straight into the link: "Also read <a>how to save on repairs</a>"."""
    text = _inner_text(el)
    if len(text) >= 300:
        return False
    key = text.lower().replace("’", "'")
    labelled = _PROMO_LABEL.match(key)
    # ">> Check out: …": the label may sit behind arrows or bullets.
    if labelled and labelled.group(1).lstrip(_PROMO_BULLETS) in PROMO_LINE_LABELS:
        rest = labelled.group(2)
    else:
        lead = _PROMO_LEAD.match(key)
        if not lead:
            return False
        rest = key[lead.end():]
    linked = sum(len(_inner_text(a)) for a in el.iter("a"))
    return bool(rest.strip()) and linked >= 0.5 * len(rest)


def drop_promo_lines(container: etree._Element) -> None:
    """Remove promo paragraphs for other stories from inside the article."""
    for el in [p for p in container.iter("p", "li", "div", "h3", "h4", "strong") if p is not container]:
        if (el.tag != "div" or _is_paragraph(el)) and el.getparent() is not None and is_promo_line(el):
            drop(el)
