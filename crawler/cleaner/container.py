"""Find the element that holds the article text by scoring paragraphs (Readability-style)."""
from __future__ import annotations

import re

from lxml import etree

from .prune import class_tokens, drop
from .text import BLOCK_TAGS
from .vocabulary import MAX_PRUNE_SHARE

# Class/id words that make an element more or less likely to be the article container.
_POSITIVE = re.compile(r"(?<![a-z0-9])(article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|"
                       r"prose|rich-text|richtext|detail|news-body)(?![a-z])")
_NEGATIVE = re.compile(r"(?<![a-z0-9])(hidden|banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|"
                       r"outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|"
                       r"widget|byline|author|dateline|caption-credit)(?![a-z])")

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
    tokens = class_tokens(el).replace("_", "-")
    if not tokens:
        return 0
    return 25 * (bool(_POSITIVE.search(tokens)) - bool(_NEGATIVE.search(tokens)))


def _inner_text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def link_density(el: etree._Element, text_len: int | None = None) -> float:
    total = text_len if text_len is not None else len(_inner_text(el))
    if not total:
        return 0.0
    linked = 0.0
    for a in el.iter("a"):
        weight = 0.3 if (a.get("href") or "").startswith("#") else 1.0  # in-page anchors are not navigation
        linked += weight * len(_inner_text(a))
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
    for el in scores:
        scores[el] *= 1 - link_density(el)
    return scores


def _common_ancestor(top: etree._Element, others: list[etree._Element], scores: dict) -> etree._Element:
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
    return article_nodes(top, body, scores) if top is not None else []


def best_container(body: etree._Element, scores: dict[etree._Element, float] | None = None) -> etree._Element | None:
    """The highest-scoring element (or the ancestor shared by the strongest candidates)."""
    scores = score_candidates(body) if scores is None else scores
    if not scores:
        return None
    ranked = sorted(scores, key=scores.get, reverse=True)
    top = ranked[0]
    strong = [c for c in ranked[1:5] if scores[c] >= 0.75 * scores[top]]
    if len(strong) >= 3:
        top = _common_ancestor(top, strong, scores)
    if top in scores:
        top = _climb_while_rising(top, scores)
    # A container that is its parent's only child says nothing the parent does not.
    while top.getparent() is not None and top.getparent().tag not in ("body", "html") and len(top.getparent()) == 1:
        top = top.getparent()
    return top


def article_nodes(top: etree._Element, body: etree._Element,
                  scores: dict[etree._Element, float]) -> list[etree._Element]:
    """The container plus siblings that score like it (Readability's sibling pass)."""
    parent = top.getparent()
    if parent is None or top is body:
        return [top]
    top_score = scores.get(top, 0.0)
    threshold = max(10.0, top_score * 0.2)
    nodes = []
    for sibling in parent:
        if not isinstance(sibling.tag, str):
            continue
        if sibling is top:
            nodes.append(sibling)
            continue
        bonus = top_score * 0.2 if top.get("class") and sibling.get("class") == top.get("class") else 0.0
        if scores.get(sibling, 0.0) + bonus >= threshold or _is_loose_paragraph(sibling):
            nodes.append(sibling)
    return nodes


def _is_loose_paragraph(el: etree._Element) -> bool:
    if el.tag != "p":
        return False
    text = _inner_text(el)
    density = link_density(el, len(text))
    return (len(text) > 80 and density < 0.25) or (0 < len(text) <= 80 and density == 0 and
                                                    re.search(r"\.( |$)", text) is not None)


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
    is_list = el.tag in ("ul", "ol")
    if weight < 0:
        return True
    return ((images > 1 and paragraphs / images < 0.5)
            or (not is_list and items > paragraphs)
            or (not is_list and len(text) < 25 and (images == 0 or images > 2) and density > 0)
            or (not is_list and weight < 25 and density > 0.2)
            or (weight >= 25 and density > 0.5))


def clean_container(container: etree._Element) -> None:
    """Drop link-heavy or empty non-paragraph blocks inside the chosen container.

    Over-pruning guard: a block holding most of the container's text is the article.
    """
    total = len(_inner_text(container)) or 1
    doomed = [el for el in container.iter("div", "section", "ul", "ol", "table", "form", "fieldset")
              if el is not container and _remove_conditionally(el) and len(_inner_text(el)) <= MAX_PRUNE_SHARE * total]
    for el in doomed:
        drop(el)
