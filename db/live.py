"""Live blogs as a stream of entries: new ones are counted, edited and deleted ones recorded."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from db.textdiff import words

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

# Kinds of `live_changes` rows, as `newswatch changes` labels them.
LIVE_EDIT, LIVE_DELETE = "live-edit", "live-delete"


@dataclass(frozen=True)
class LiveReading:
    """What one reading of a live blog found: entries shown, new, edited, deleted."""

    shown: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0


def record_entries(db: sqlite_utils.Database, article_id: int, entries: Sequence[dict], at: str,
                   check_id: int | None) -> LiveReading:
    """Merge one reading's entries (as the page lists them) into the article's stream, inside
    the caller's transaction. An entry missing from the page is deleted only when it is newer
    than the oldest entry still shown: older ones have scrolled off the end, not gone."""
    known = {r["entry_key"]: r for r in db.query(
        "select id, entry_key, headline, text, deleted_at, seq from live_entries where article_id = ?",
        [article_id])}
    shown = list({e["key"]: e for e in entries if e.get("key")}.values())
    new = [e for e in shown if e["key"] not in known]
    edited = 0
    for entry in shown:
        old = known.get(entry["key"])
        if old is None:
            continue
        if (old["text"], old["headline"] or "") != (entry.get("text") or "", entry.get("headline") or ""):
            _record_edit(db, article_id, old, entry, at, check_id)
            edited += 1
        db.execute("update live_entries set last_seen = ?, deleted_at = null where id = ?", [at, old["id"]])
    _insert_new(db, article_id, _oldest_first(shown, known), known, at)
    deleted = _record_deletions(db, article_id, {e["key"] for e in shown}, known, at, check_id)
    return LiveReading(len(shown), len(new), edited, deleted)


def _oldest_first(shown: list[dict], known: dict) -> list[dict]:
    """The page's entries from the oldest: the order of entries already known tells which way
    the page runs, else their published times when the page gives them all, else the page is
    read as newest first (the live-blog convention)."""
    seqs = [known[e["key"]]["seq"] for e in shown if e["key"] in known]
    if len(seqs) > 1:
        return shown if seqs[0] < seqs[-1] else shown[::-1]
    if shown and all(e.get("published") for e in shown):
        return sorted(shown, key=lambda e: e["published"])
    return shown[::-1]


def _insert_new(db: sqlite_utils.Database, article_id: int, ordered: list[dict], known: dict,
                at: str) -> None:
    """New entries get a place in the stream (`seq`) between the known entries around them on
    the page: an entry that appears below older ones (an edit to an entry without an id makes a
    new key) is not newer than they are, and may scroll off later without being "deleted"."""
    top = max((r["seq"] for r in known.values()), default=0.0)
    below, run = None, []
    for entry in ordered + [None]:
        old = known.get(entry["key"]) if entry is not None else None
        if entry is not None and old is None:
            run.append(entry)
            continue
        above = old["seq"] if old is not None else None
        low = below if below is not None else (above - 1 if above is not None else top)
        high = above if above is not None else low + len(run) + 1
        for k, e in enumerate(run, start=1):
            db.execute("insert into live_entries (article_id, entry_key, headline, text, published, "
                       "first_seen, last_seen, seq) values (?, ?, ?, ?, ?, ?, ?, ?)",
                       [article_id, e["key"], e.get("headline") or "", e.get("text") or "",
                        e.get("published"), at, at, low + (high - low) * k / (len(run) + 1)])
        below, run = above, []


def _record_edit(db: sqlite_utils.Database, article_id: int, old: dict, entry: dict, at: str,
                 check_id: int | None) -> None:
    text, headline = entry.get("text") or "", entry.get("headline") or ""
    added, removed = _word_counts(f"{old['headline'] or ''}\n{old['text']}", f"{headline}\n{text}")
    db.execute("insert into live_changes (article_id, entry_id, kind, captured_at, check_id, "
               "previous_headline, headline, previous_text, text, words_added, words_removed) "
               "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [article_id, old["id"], LIVE_EDIT, at, check_id, old["headline"] or "", headline,
                old["text"], text, added, removed])
    db.execute("update live_entries set text = ?, headline = ?, edited_at = ? where id = ?",
               [text, headline, at, old["id"]])


def _record_deletions(db: sqlite_utils.Database, article_id: int, shown: set[str], known: dict,
                      at: str, check_id: int | None) -> int:
    oldest_shown = min((known[k]["seq"] for k in shown if k in known), default=None)
    if oldest_shown is None:  # nothing seen before is on the page: no way to tell, delete nothing
        return 0
    gone = [r for k, r in known.items() if k not in shown and r["deleted_at"] is None
            and r["seq"] > oldest_shown]
    for row in gone:
        db.execute("insert into live_changes (article_id, entry_id, kind, captured_at, check_id, "
                   "previous_headline, headline, previous_text, text, words_added, words_removed) "
                   "values (?, ?, ?, ?, ?, ?, '', ?, '', 0, ?)",
                   [article_id, row["id"], LIVE_DELETE, at, check_id, row["headline"] or "",
                    row["text"], len(words(row["text"]))])
        db.execute("update live_entries set deleted_at = ? where id = ?", [at, row["id"]])
    return len(gone)


def _word_counts(old: str, new: str) -> tuple[int, int]:
    import difflib

    a, b = words(old), words(new)
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed += (i2 - i1) if tag in ("replace", "delete") else 0
        added += (j2 - j1) if tag in ("replace", "insert") else 0
    return added, removed


def touch_shown(db: sqlite_utils.Database, article_id: int, at: str) -> None:
    """A byte-identical page or a 304: the entries of the last reading were seen again."""
    db.execute("update live_entries set last_seen = ? where article_id = ? and deleted_at is null "
               "and last_seen = (select max(last_seen) from live_entries where article_id = ?)",
               [at, article_id, article_id])
