"""Word- and line-level differences between two versions' texts (pure; returns data)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# The one definition of a word, shared by word counts (versions.words_added/removed), change
# records and the diff views: a number with its separators (3.5, 1,200, 3 000) is one word, so
# "rose 3.5 percent" -> "rose 4.2 percent" is one changed word everywhere; any other run of
# letters or digits is a word, and so is each punctuation mark.
WORD_PATTERN = r"\d+(?:[.,\u00a0\u202f]\d+)*|\w+|[^\w\s]"
WORD = re.compile(WORD_PATTERN, re.UNICODE)
# Whitespace kept as tokens too, so that the pieces of an inline diff join back into each text.
_TOKEN = re.compile(r"\s+|" + WORD_PATTERN, re.UNICODE)


def words(text: str) -> list[str]:
    """The words of `text`, as every count and diff of newswatch sees them."""
    return WORD.findall(text)


@dataclass(frozen=True)
class Piece:
    """A run of text that is kept (' '), removed ('-') or added ('+')."""

    op: str
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """Inline word diff: whitespace kept as tokens so the pieces join back into each text."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece(" ", "".join(a[i1:i2])))
            continue
        if tag in ("replace", "delete"):
            pieces.append(Piece("-", "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            pieces.append(Piece("+", "".join(b[j1:j2])))
    return pieces


def version_text(version: dict) -> str:
    """The text a version is compared by: headline, byline, then the body."""
    return f"{version.get('title') or ''}\nBy: {version.get('byline') or ''}\n\n{version.get('body') or ''}"


def unified(old: dict, new: dict, context: int = 1) -> str:
    """A plain unified diff of two versions (for pipes, files and `patch`-minded readers)."""
    lines = difflib.unified_diff(
        version_text(old).splitlines(), version_text(new).splitlines(),
        fromfile=f"version {old['version']} ({old['captured_at']})",
        tofile=f"version {new['version']} ({new['captured_at']})", n=context, lineterm="")
    return "\n".join(lines)


def changed_lines(old: dict, new: dict) -> list[tuple[str, list[Piece]]]:
    """Per changed line of the two versions: ('changed' | 'added' | 'removed', word pieces)."""
    a, b = version_text(old).splitlines(), version_text(new).splitlines()
    out: list[tuple[str, list[Piece]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            out += [("changed", word_diff(x, y)) for x, y in zip(a[i1:i2], b[j1:j2])]
            continue
        out += [("removed", [Piece("-", x)]) for x in a[i1:i2]]
        out += [("added", [Piece("+", y)]) for y in b[j1:j2]]
    return out
