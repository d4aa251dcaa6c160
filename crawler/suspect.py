"""Does a 200 page read like an error, paywall, consent or bot-check page instead of the article?"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the cleaner loads when a page is cleaned, not with every crawl
    from crawler.cleaner import Article

# Such pages are short; a real article that merely mentions "404" or "subscribe" is not.
MAX_WORDS = 120

# Phrases grouped by what the page really is; matched case-insensitively on headline + body.
SUSPECT_PHRASES = {
    "error page": (r"\bpage not found\b", r"\b404\b", r"\bnot found\b", r"\bno longer available\b",
                   r"\bhas been removed\b", r"\bsomething went wrong\b", r"\binternal server error\b",
                   r"\bservice unavailable\b", r"\bcould not be found\b", r"\bdoesn[’']t exist\b"),
    "paywall": (r"\bsubscribe (now )?to (continue|read|keep reading)\b", r"\bsubscribers only\b",
                r"\bfor subscribers\b", r"\balready a subscriber\b", r"\bsign in to (continue|read)\b",
                r"\bunlock (this|the full) (article|story)\b", r"\byou have reached your (free )?limit\b"),
    "consent page": (r"\bwe value your privacy\b", r"\bconsent to (the use of )?cookies\b",
                     r"\baccept (all )?cookies to continue\b", r"\bmanage (your )?consent\b"),
    "bot check": (r"\bare you a robot\b", r"\bverify (that )?you are (a )?human\b", r"\bcaptcha\b",
                  r"\bchecking your browser\b", r"\benable javascript and cookies\b",
                  r"\baccess denied\b", r"\bunusual traffic\b"),
}
_COMPILED = {kind: re.compile("|".join(p), re.IGNORECASE) for kind, p in SUSPECT_PHRASES.items()}


def suspect_reason(article: Article) -> str | None:
    """'reads like a paywall ("subscribe to continue")', or None for an ordinary article."""
    text = f"{article.title}\n{article.body}"
    if len(text.split()) > MAX_WORDS:
        return None
    for kind, pattern in _COMPILED.items():
        found = pattern.search(text)
        if found:
            return f"reads like a {kind} (“{found.group(0)}”)"
    return None
