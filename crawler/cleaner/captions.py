"""Image captions: taken out of the article container into their own field, credits removed."""
from __future__ import annotations

from lxml import etree

from .container import link_density
from .lines import is_furniture_line, strip_credit
from .prune import class_tokens, drop
from .text import block_lines, element_text
from .vocabulary import CAPTION_RE, CREDIT_RE, LINKED_LINE_SHARE

# A "caption" holding more than this is a wrapper named after its figure, not a caption.
_MAX_CAPTION_CHARS = 600


def _is_caption(el: etree._Element) -> bool:
    if el.tag == "figcaption":
        return True
    return el.tag in ("div", "p", "span", "small", "dd") and bool(CAPTION_RE.search(class_tokens(el)))


def _caption_text(el: etree._Element) -> str:
    """The caption's words without credits; "" for a caption that is all link: the label of a
    tile in a gallery or video strip ("Play Video", another story's headline), not a caption."""
    if link_density(el) >= LINKED_LINE_SHARE:
        return ""
    for credit in [c for c in el.iter() if c is not el and isinstance(c.tag, str) and CREDIT_RE.search(class_tokens(c))]:
        drop(credit)
    lines = [strip_credit(line) for line in block_lines(el)]
    return " ".join(line for line in lines if line and not is_furniture_line(line))


def take_captions(container: etree._Element) -> list[str]:
    """Remove the captions (and credit lines beside images) from the container; return their texts."""
    found: list[str] = []
    pending = [c for c in reversed(container) if isinstance(c.tag, str)]
    while pending:  # page order; a caption's or a credit's inside is never visited on its own
        el = pending.pop()
        if _is_caption(el):
            if len(element_text(el)) <= _MAX_CAPTION_CHARS:
                text = _caption_text(el)
                drop(el)
                if text and text not in found:
                    found.append(text)
        elif CREDIT_RE.search(class_tokens(el)) and len(element_text(el)) <= 200:
            drop(el)  # a credit beside an image, outside any caption
        else:
            pending.extend(c for c in reversed(el) if isinstance(c.tag, str))
    return found
