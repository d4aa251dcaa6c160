"""Real edits to article pages: headline, append, number, reword, remove, typo, byline."""
from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import prose
from .generator import load_state, mix, write_site

KINDS = ("headline", "append", "number", "reword", "remove", "typo", "byline")
SENTENCE_END = re.compile(r"(?<=[.!?\u201d])\s+(?=[A-Z\u201c])")
MONTH_AFTER = re.compile(r"\s(" + "|".join(prose.MONTHS) + r")\b")


@dataclass(frozen=True)
class Edit:
    """One edit made to one article."""

    path: str  # URL path of the article
    kind: str
    description: str
    field: str = "body"  # "title", "body" or "author"
    before: str = ""  # old headline / author / body block ("" for append)
    after: str = ""  # new headline / author / body block ("" for remove)


# Paragraphs are numbered as the stored article (and `newswatch diff`'s ¶N) numbers them: the
# standfirst above the body is the first paragraph, so body paragraph 0 is ¶2.
FIRST_PARAGRAPH = 2

def edit_articles(root: Path, paths: Sequence[str] | None = None, *, count: int = 3, seed: int = 1,
                  kind: str = "mixed") -> list[Edit]:
    """Edit articles in place (HTML files and site.json) and return what changed."""
    if kind != "mixed" and kind not in KINDS:
        raise ValueError(f"unknown edit kind {kind!r}; use 'mixed' or one of {KINDS}")
    root, rng = Path(root), random.Random(seed)
    state = load_state(root)
    targets = choose_articles(state["articles"], paths, count, rng)
    edits = []
    for n, article in enumerate(targets):
        wanted = KINDS[n % len(KINDS)] if kind == "mixed" else kind
        edits.append(apply_edit(article, wanted, rng))
        touch(article, rng, state, seed)
    write_site(root, state, articles=list({id(a): a for a in targets}.values()))
    return edits


def choose_articles(articles: list[dict], paths: Sequence[str] | None, count: int,
                    rng: random.Random) -> list[dict]:
    """The articles named by URL path, file path or URL; else `count` picked by the seed."""
    if paths is None:
        return rng.sample(articles, min(count, len(articles)))
    by_key = {key: a for a in articles for key in (a["path"], a["file"], "/" + a["file"])}
    chosen = []
    for path in paths:
        key = re.sub(r"^[a-z]+://[^/]+", "", path)
        if key not in by_key:
            raise KeyError(f"no article at {path!r}")
        chosen.append(by_key[key])
    return chosen


def touch(article: dict, rng: random.Random, state: dict, seed: int) -> None:
    """Bump the modified time and edit count, and give the page new chrome."""
    base = max(datetime.fromisoformat(article["modified"]), datetime.fromisoformat(state["now"]))
    article["modified"] = (base + timedelta(minutes=rng.randint(3, 120))).isoformat()
    article["edits"] += 1
    article["chrome"] = mix(article["chrome"], seed + 1000 * article["edits"])


def apply_edit(article: dict, wanted: str, rng: random.Random) -> Edit:
    """Make the wanted kind of edit, or the next kind that applies to this article."""
    start = KINDS.index(wanted)
    for kind in KINDS[start:] + KINDS[:start]:
        edit = EDITORS[kind](article, rng)
        if edit is not None:
            return edit
    raise AssertionError("append always applies")


def edit_headline(article: dict, rng: random.Random) -> Edit | None:
    """Rewrite the headline."""
    old, section = article["title"], article["section"]
    new = old
    while new == old:
        new = prose.headline(rng, section, prose.story(rng, section))
    article["title"] = new
    return Edit(article["path"], "headline", f"headline changed from \u201c{old}\u201d to \u201c{new}\u201d",
                "title", old, new)


def edit_append(article: dict, rng: random.Random) -> Edit:
    """Append an 'Update: ...' paragraph."""
    text = "Update: " + prose.fill(rng.choice(prose.UPDATES), rng, article["section"])
    article["paragraphs"].append(text)
    article["kinds"].append("p")
    return Edit(article["path"], "append", f"paragraph appended: \u201c{text}\u201d", "body", "", text)


def edit_number(article: dict, rng: random.Random) -> Edit | None:
    """Correct one number in one paragraph."""
    spots = [(i, m) for i, (kind, text) in enumerate(zip(article["kinds"], article["paragraphs"]))
             if kind == "p" for m in prose.NUMBER.finditer(text) if correctable(m, text)]
    if not spots:
        return None
    i, match = rng.choice(spots)
    old_text, new_number = article["paragraphs"][i], corrected(match.group(0), rng)
    new_text = old_text[:match.start()] + new_number + old_text[match.end():]
    article["paragraphs"][i] = new_text
    return Edit(article["path"], "number", f"number in paragraph {i + FIRST_PARAGRAPH} corrected from {match.group(0)} to {new_number}",
                "body", old_text, new_text)


def correctable(match: re.Match, text: str) -> bool:
    """Skip years and days of the month."""
    value = match.group(0)
    if value.isdigit() and 1900 <= int(value) <= 2100:
        return False
    return not MONTH_AFTER.match(text, match.end())


def corrected(number: str, rng: random.Random) -> str:
    """A different number in the same style: '37,300' -> '38,100', '8.7' -> '9.1', '12' -> '14'."""
    if "." in number:
        whole, frac = number.split(".")
        scaled = int(whole.replace(",", "") + frac) + rng.randint(1, 9)
        text = f"{scaled:0{len(frac) + 1}d}"
        return f"{text[:-len(frac)]}.{text[-len(frac):]}"
    value = int(number.replace(",", ""))
    step = round(value * rng.uniform(0.05, 0.3), -2 if value >= 1000 else 0)
    new = value + max(100 if value >= 1000 else 1, int(step))
    return f"{new:,}" if "," in number else str(new)


def edit_reword(article: dict, rng: random.Random) -> Edit | None:
    """Reword one sentence of one paragraph."""
    spots = []
    for i, (kind, text) in enumerate(zip(article["kinds"], article["paragraphs"])):
        sentences = SENTENCE_END.split(text) if kind == "p" else []
        spots += [(i, j, old, new) for j, s in enumerate(sentences) for old, new in prose.REWORDS if old in s]
    if not spots:
        return None
    i, j, old, new = rng.choice(spots)
    old_text = article["paragraphs"][i]
    sentences = SENTENCE_END.split(old_text)
    sentences[j] = sentences[j].replace(old, new, 1)
    article["paragraphs"][i] = new_text = " ".join(sentences)
    return Edit(article["path"], "reword", f"sentence {j + 1} of paragraph {i + FIRST_PARAGRAPH} reworded: "
                f"\u201c{old.strip()}\u201d \u2192 \u201c{new.strip()}\u201d", "body", old_text, new_text)


def edit_remove(article: dict, rng: random.Random) -> Edit | None:
    """Delete one paragraph (never the first, and keep at least four)."""
    candidates = [i for i, kind in enumerate(article["kinds"]) if kind == "p" and i > 0]
    if len(candidates) < 4:
        return None
    i = rng.choice(candidates)
    text = article["paragraphs"].pop(i)
    article["kinds"].pop(i)
    return Edit(article["path"], "remove", f"paragraph {i + FIRST_PARAGRAPH} removed: \u201c{text[:60]}\u2026\u201d", "body", text, "")


def edit_typo(article: dict, rng: random.Random) -> Edit | None:
    """Fix the article's misspelt word."""
    typo = article.get("typo")
    if not typo:
        return None
    pattern = re.compile(rf"\b{re.escape(typo['wrong'])}\b")
    for i, text in enumerate(article["paragraphs"]):
        if pattern.search(text):
            article["paragraphs"][i] = fixed = pattern.sub(typo["right"], text, count=1)
            article["typo"] = None
            return Edit(article["path"], "typo", f"typo fixed in paragraph {i + FIRST_PARAGRAPH}: {typo['wrong']} \u2192 {typo['right']}",
                        "body", text, fixed)
    article["typo"] = None
    return None


def edit_byline(article: dict, rng: random.Random) -> Edit:
    """Credit the article to a different author."""
    old = article["author"]
    new = rng.choice([a for a in prose.AUTHORS if a != old])
    article["author"], article["bio"] = new, prose.bio(new, article["section"], rng)
    return Edit(article["path"], "byline", f"byline changed from {old} to {new}", "author", old, new)


EDITORS = {"headline": edit_headline, "append": edit_append, "number": edit_number, "reword": edit_reword,
           "remove": edit_remove, "typo": edit_typo, "byline": edit_byline}
