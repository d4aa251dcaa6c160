"""Change records: align two versions by sentence and label each edit (pure; plus the writer
`record_change` and the migration's `backfill`).

Sentences are aligned by a longest common subsequence (difflib's matcher for very long bodies);
a deleted sentence that reappears verbatim elsewhere is a
*move*, a deleted/added pair that is similar enough is a *rewrite* (carrying its word diff),
the rest are additions and deletions. On top of that: numbers and quotes that changed, a
correction / update / editor's-note notice, and a `minor` flag for punctuation-, case- or
whitespace-only edits.
"""
from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from db.schema import parse_iso
from db.textdiff import word_diff, words

# Bumped when the labelling rules change, so that records can be recomputed and told apart.
RECORD_VERSION = "2"  # 2: captions, stealth; numbers only where a number changed
# A deleted and an added sentence at least this similar (word-level difflib ratio) are one
# rewritten sentence; below it they are a deletion and an addition.
SIMILAR = 0.5
# Pairing every deleted with every added sentence is quadratic; past this many pairs only
# sentences at about the same place in the same changed block are compared.
MAX_PAIRS = 2500
# Sentence alignment uses an exact longest common subsequence up to this many table cells
# (after the common head and tail are set aside), difflib's faster heuristic beyond.
MAX_LCS_CELLS = 250_000

# Words that end with a period without ending the sentence (lower-cased, without the period).
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm st jr sr rev hon pres supt insp
inc ltd co corp plc llc bros dept univ assn est approx vs etc al fig no nos vol pp ed eds
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
a.m p.m e.g i.e u.s u.k u.n e.u d.c
""".split())
_TERMINATOR = re.compile(r"[.!?…]+[\"”’»)\]]*")
_CLOSED_QUOTE = re.compile(r"“[^“”]*”|\"[^\"]*\"|«[^«»]*»")
_QUOTED = re.compile(r"“.*?(?:”|$)|\".*?(?:\"|$)|‘.*?(?:’(?!\w)|$)|«.*?(?:»|$)")
# A number: digits with thousands separators or decimals ("1,200", "3.5", "55").
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f]\d+)*")
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)

# Notices, most specific first: a sentence that starts with the label, or says the phrase.
NOTICES: tuple[tuple[str, re.Pattern], ...] = (
    ("correction", re.compile(
        r"^\W*(corrections?|clarifications?)\b\s*(\([^)]*\))?\s*[:.\-–—]"
        r"|\b(an? )?(earlier|previous) version of this (article|story|report|piece)"
        r"|\bthis (article|story|report|piece) (has been|was) (amended|corrected)"
        r"|\bwe (have )?(corrected|amended) (this|the) (article|story|report)", re.I)),
    ("editors_note", re.compile(r"^\W*(editor['’]?s['’]? note|note from the editors?)\b", re.I)),
    ("update", re.compile(
        r"^\W*(update|updated|updates)\b.{0,40}?(:|\s[-–—])\s"  # "UPDATED 14:05 GMT: …"
        r"|^\W*(update|updated)\s*[:–—]"
        r"|\bthis (article|story|report|piece) (has been|was) updated", re.I)),
)


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # index of the body line it belongs to


@dataclass
class Op:
    """One aligned step: same / added / deleted / rewritten / moved (indices are sentence numbers)."""

    op: str
    old: int | None = None
    new: int | None = None
    text: str = ""  # the new text (the old one for deletions)
    old_text: str | None = None  # rewrites only
    words: list[list[str]] | None = None  # rewrites only: [[' '|'-'|'+', text], …]
    paragraph: int | None = None  # in the new version (the old one for deletions)


@dataclass
class ChangeRecord:
    title_changed: int = 0
    byline_changed: int = 0
    body_changed: int = 0
    captions_changed: int = 0
    published_changed: int = 0
    sentences_added: int = 0
    sentences_deleted: int = 0
    sentences_rewritten: int = 0
    sentences_moved: int = 0
    numbers_changed: int = 0
    quotes_changed: int = 0
    notice: str | None = None  # correction / update / editors_note
    notice_text: str | None = None
    minor: int = 0
    stealth: int = 0  # substantive, yet no notice and no new modified date: see is_stealth
    ops: list[Op] = field(default_factory=list)  # every aligned sentence, 'same' ones included
    fields: dict = field(default_factory=dict)  # title / byline / published: old and new

    def detail(self) -> str:
        """The JSON stored with the record: field changes and every op except 'same'."""
        ops = [{k: v for k, v in asdict(o).items() if v is not None} for o in self.ops if o.op != "same"]
        return json.dumps({"fields": self.fields, "ops": ops}, ensure_ascii=False)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; quotations, abbreviations and decimals do not end one."""
    inside = [(m.start(), m.end()) for m in _CLOSED_QUOTE.finditer(paragraph)]
    out, start = [], 0
    for m in _TERMINATOR.finditer(paragraph):
        end = m.end()
        rest = paragraph[end:]
        if not rest[:1].isspace() or not rest.strip():
            continue
        following = rest.lstrip()[0]
        if not (following.isupper() or following.isdigit() or following in "“‘\"«(["):
            continue
        if any(s < end < e for s, e in inside):
            continue  # "… peace. We …," he said: one sentence
        word = paragraph[start:m.start()].split()[-1:] or [""]
        token = word[0].lstrip("(“‘\"«[").lower()
        if m.group()[0] == "." and (token in ABBREVIATIONS or re.fullmatch(r"\w", token)):
            continue  # "Mr. Putin", "J. Smith", "U.S. officials"
        out.append(paragraph[start:end].strip())
        start = end
    tail = paragraph[start:].strip()
    return out + [tail] if tail else out


def sentences(body: str) -> list[Sentence]:
    return [Sentence(s, p) for p, line in enumerate(l for l in body.splitlines() if l.strip())
            for s in split_sentences(line)]


def numbers(text: str) -> Counter:
    return Counter(_NUMBER.findall(text))


def quotes(text: str) -> Counter:
    """Quoted passages, compared by their words (a comma inside a quote is not a new quote)."""
    return Counter(q for q in (_fold(m.group()) for m in _QUOTED.finditer(text)) if q)


def notice_in(text: str) -> str | None:
    for kind, pattern in NOTICES:
        if pattern.search(text):
            return kind
    return None


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, words(a), words(b), autojunk=False).ratio()


def align(old_body: str, new_body: str) -> list[Op]:
    """Every sentence of both versions as ops, in the new version's order (deletions in place)."""
    a, b = sentences(old_body), sentences(new_body)
    blocks = opcodes([s.text for s in a], [s.text for s in b])
    gone = [(i, n) for n, (tag, i1, i2, _, _) in enumerate(blocks) if tag != "equal" for i in range(i1, i2)]
    came = [(j, n) for n, (tag, _, _, j1, j2) in enumerate(blocks) if tag != "equal" for j in range(j1, j2)]
    pairs = _pair_moves(a, b, gone, came)
    pairs.update(_pair_rewrites(a, b, blocks, [g for g in gone if g[0] not in pairs],
                                [c for c in came if c[0] not in {j for j, _ in pairs.values()}]))
    by_new = {j: (i, kind) for i, (j, kind) in pairs.items()}
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in blocks:
        if tag == "equal":
            ops += [Op("same", i, j, b[j].text, paragraph=b[j].paragraph)
                    for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        ops += [Op("deleted", i, None, a[i].text, paragraph=a[i].paragraph)
                for i in range(i1, i2) if i not in pairs]
        for j in range(j1, j2):
            i, kind = by_new.get(j, (None, "added"))
            op = Op(kind, i, j, b[j].text, paragraph=b[j].paragraph)
            if kind == "rewritten":
                op.old_text = a[i].text
                op.words = [[p.op, p.text] for p in word_diff(a[i].text, b[j].text)]
            ops.append(op)
    return ops


def opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes from a longest common subsequence of sentences, so that the fewest
    sentences count as moved (difflib's greedy longest block can keep the wrong run in place)."""
    pre = 0
    while pre < min(len(a), len(b)) and a[pre] == b[pre]:
        pre += 1
    post = 0
    while post < min(len(a), len(b)) - pre and a[-1 - post] == b[-1 - post]:
        post += 1
    mid_a, mid_b = a[pre:len(a) - post], b[pre:len(b) - post]
    if len(mid_a) * len(mid_b) > MAX_LCS_CELLS:
        matcher = difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=False)
        matches = [(m.a + k, m.b + k) for m in matcher.get_matching_blocks() for k in range(m.size)]
    else:
        matches = _lcs(mid_a, mid_b)
    matches = [(i, i) for i in range(pre)] + [(i + pre, j + pre) for i, j in matches] + \
        [(len(a) - post + k, len(b) - post + k) for k in range(post)]
    out, i, j = [], 0, 0
    for mi, mj in matches + [(len(a), len(b))]:
        if mi > i or mj > j:
            tag = "replace" if mi > i and mj > j else "delete" if mi > i else "insert"
            out.append((tag, i, mi, j, mj))
        if mi < len(a) and mj < len(b):
            if out and out[-1][0] == "equal" and out[-1][2] == mi and out[-1][4] == mj:
                out[-1] = ("equal", out[-1][1], mi + 1, out[-1][3], mj + 1)
            else:
                out.append(("equal", mi, mi + 1, mj, mj + 1))
        i, j = mi + 1, mj + 1
    return out


def _lcs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        row, below = lengths[i], lengths[i + 1]
        for j in range(len(b) - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    pairs, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _pair_moves(a, b, gone, came) -> dict[int, tuple[int, str]]:
    waiting: dict[str, list[int]] = {}
    for i, _ in gone:
        waiting.setdefault(a[i].text, []).append(i)
    pairs = {}
    for j, _ in came:
        if waiting.get(b[j].text):
            pairs[waiting[b[j].text].pop(0)] = (j, "moved")
    return pairs


def _pair_rewrites(a, b, blocks, gone, came) -> dict[int, tuple[int, str]]:
    # Past MAX_PAIRS only sentences at about the same place in the same changed block are compared.
    nearby_only = len(gone) * len(came) > MAX_PAIRS
    scored = []
    for i, block_i in gone:
        for j, block_j in came:
            if nearby_only and (block_i != block_j or
                                abs(i - blocks[block_i][1] - (j - blocks[block_j][3])) > 2):
                continue
            score = similarity(a[i].text, b[j].text)
            if score >= SIMILAR:  # a small preference for the pair difflib already lined up
                scored.append((score + (0.05 if block_i == block_j else 0), i, j))
    pairs, used = {}, set()
    for _, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i not in pairs and j not in used:
            pairs[i] = (j, "rewritten")
            used.add(j)
    return pairs


def compare(old: dict, new: dict) -> ChangeRecord:
    """The change record from `old` to `new` (dicts with title, byline, body, published)."""
    rec = ChangeRecord(ops=align(old.get("body") or "", new.get("body") or ""))
    for name in ("title", "byline", "published"):
        before, after = old.get(name) or None, new.get(name) or None
        if _differs(name, before, after):
            setattr(rec, f"{name}_changed", 1)
            rec.fields[name] = {"old": before, "new": after}
    if rec.title_changed:
        rec.fields["title"]["words"] = [[p.op, p.text] for p in
                                        word_diff(old.get("title") or "", new.get("title") or "")]
    rec.body_changed = int((old.get("body") or "") != (new.get("body") or ""))
    if (old.get("captions") or "") != (new.get("captions") or ""):
        rec.captions_changed = 1
        rec.fields["captions"] = {"old": old.get("captions") or "", "new": new.get("captions") or ""}
    counts = Counter(o.op for o in rec.ops)
    rec.sentences_added, rec.sentences_deleted = counts["added"], counts["deleted"]
    rec.sentences_rewritten, rec.sentences_moved = counts["rewritten"], counts["moved"]
    edits = [(o.old_text if o.op == "rewritten" else (o.text if o.op == "deleted" else ""),
              "" if o.op == "deleted" else o.text) for o in rec.ops if o.op in ("added", "deleted", "rewritten")]
    if rec.title_changed:
        edits.append((old.get("title") or "", new.get("title") or ""))
    # A number changed: a rewritten sentence (or the headline) whose numbers differ; a sentence
    # added or deleted whole is an addition or a deletion, whatever numbers it holds.
    rec.numbers_changed = sum(numbers(x) != numbers(y) for x, y in edits if x and y)
    rec.quotes_changed = sum(quotes(x) != quotes(y) for x, y in edits)
    for before, after in edits:
        kind = notice_in(after) if after else None
        if kind and notice_in(before) != kind:
            rec.notice, rec.notice_text = kind, after
            break
    rec.minor = int(rec.numbers_changed == 0 and all(
        _fold(old.get(f) or "") == _fold(new.get(f) or "") for f in ("title", "byline", "body", "captions")))
    rec.stealth = int(is_stealth(rec, old, new))
    return rec


# A stealth edit (the fact-checkers' word): a substantive change published with no correction or
# update notice and no change to the modified date the page states. Substantive: not `minor`,
# and a number or a quotation changed, or at least this many words of headline and body did.
STEALTH_MIN_WORDS = 5


def changed_words(rec: ChangeRecord) -> int:
    """Words added or removed in the body's sentences and the headline."""
    count = 0
    for op in rec.ops:
        if op.op in ("added", "deleted"):
            count += len(words(op.text))
        elif op.op == "rewritten":
            count += sum(len(words(text)) for kind, text in op.words or () if kind != " ")
    for piece in rec.fields.get("title", {}).get("words", ()):
        count += len(words(piece[1])) if piece[0] != " " else 0
    return count


def is_stealth(rec: ChangeRecord, old: dict, new: dict) -> bool:
    if rec.minor or rec.notice is not None:
        return False
    if not (rec.numbers_changed or rec.quotes_changed or changed_words(rec) >= STEALTH_MIN_WORDS):
        return False
    return not _differs("published", old.get("modified") or None, new.get("modified") or None)


def _fold(text: str) -> str:
    return " ".join(_PUNCTUATION.sub("", text).casefold().split())


def _differs(name: str, before: str | None, after: str | None) -> bool:
    if name != "published" or not before or not after:
        return before != after
    moments = parse_iso(before), parse_iso(after)  # one moment in another offset: no change
    return before != after if None in moments else moments[0] != moments[1]


COLUMNS = ("title_changed", "byline_changed", "body_changed", "captions_changed", "published_changed",
           "sentences_added",
           "sentences_deleted", "sentences_rewritten", "sentences_moved", "numbers_changed",
           "quotes_changed", "notice", "notice_text", "minor", "stealth")


def record_change(db, article_id: int, version_id: int, previous: dict | None, new: dict,
                  captured_at: str) -> ChangeRecord | None:
    """Compute and insert the change record of a new version (nothing for a first version).
    Called inside the transaction that writes the version."""
    if previous is None:
        return None
    rec = compare(previous, new)
    db.execute(
        f"insert into change_records (version_id, previous_version_id, article_id, captured_at, "
        f"{', '.join(COLUMNS)}, detail, record_version) values ({', '.join('?' * (len(COLUMNS) + 6))})",
        [version_id, previous["id"], article_id, captured_at,
         *(getattr(rec, c) for c in COLUMNS), rec.detail(), RECORD_VERSION])
    return rec


def backfill(db) -> int:
    """Write the change record of every version that has none (the migration calls this)."""
    rows = db.execute(
        "select v.id, v.article_id, v.captured_at, v.title, v.byline, v.body, v.published from versions v "
        "where v.version > 1 and not exists (select 1 from change_records c where c.version_id = v.id) "
        "order by v.article_id, v.version").fetchall()
    for vid, article_id, captured_at, title, byline, body, published in rows:
        prev = db.execute("select id, title, byline, body, published from versions where article_id = ? "
                          "and version < (select version from versions where id = ?) "
                          "order by version desc limit 1", [article_id, vid]).fetchone()
        if prev is not None:
            previous = dict(zip(("id", "title", "byline", "body", "published"), prev))
            record_change(db, article_id, vid, previous, {"title": title, "byline": byline, "body": body,
                                                         "published": published}, captured_at)
    return len(rows)
