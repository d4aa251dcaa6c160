"""Formats for the query commands: the sentence-aligned diff (text, JSON, HTML), exports, the Atom feed."""
from __future__ import annotations

import csv
import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import IO

from db.changes import ChangeRecord, sentences

MARKS = {"added": "+", "deleted": "-", "rewritten": "~", "moved": ">"}
ATOM = "http://www.w3.org/2005/Atom"
# Control characters (C0 but newline and tab, DEL, C1) that a terminal would obey: ESC starts
# escape sequences (colours, cursor moves, the window title), BEL rings, CSI (U+009B) is ESC [.
_UNPRINTABLE = dict.fromkeys([*(c for c in range(0x20) if c not in (0x09, 0x0a)), *range(0x7f, 0xa0)])


def printable(value):
    """Page text made safe for a terminal: control characters removed (in a str, or in every str
    of a dict or list). The CLI's text output passes what it prints from the database here."""
    if isinstance(value, str):
        return value.translate(_UNPRINTABLE)
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def labels(row: dict) -> list[str]:
    """Short words for what an edit did, from a `changes` row or a change record."""
    out = [f for f in ("title", "byline", "captions", "published") if row.get(f"{f}_changed")]
    for key, word in (("sentences_added", "added"), ("sentences_deleted", "deleted"),
                      ("sentences_rewritten", "rewritten"), ("sentences_moved", "moved"),
                      ("numbers_changed", "numbers"), ("quotes_changed", "quotes")):
        if row.get(key):
            out.append(f"{row[key]} {word}" if key.startswith("sentences") else word)
    if row.get("notice"):
        out.append(row["notice"])
    if row.get("minor"):
        out.append("minor")
    if row.get("stealth"):
        out.append("stealth")
    return out


def live_change_line(row: dict) -> str:
    """One edited or deleted live-blog entry, as `newswatch changes` lists it."""
    entry = row["headline"] or row["previous_headline"] or _first_words(row["text"] or row["previous_text"])
    return (f"{row['captured_at']}  {row['kind']}  +{row['words_added']}/-{row['words_removed']}"
            f"  {row['title']}: “{entry}”\n    {row['url']}  ({row['kind']})")


def _first_words(text: str, count: int = 8) -> str:
    words = (text or "").split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


# `history` shows the first reading and this many recent ones; `--json` has them all.
_LIVE_READINGS_SHOWN = 20


def live_stream_text(live: dict) -> str:
    """A live blog's stream for `newswatch history`: totals, what the first and the recent
    readings brought, and the recent edited or deleted entries."""
    lines = [f"live blog: {live['entries']} entries, {live['edited']} edited, {live['deleted']} deleted"]
    readings, keep = live["readings"], _LIVE_READINGS_SHOWN
    for n, reading in enumerate(readings):
        if n == 1 and len(readings) > keep + 1:
            lines.append(f"  … {len(readings) - keep - 1} more readings (`history --json` lists them all)")
        if 0 < n < len(readings) - keep:
            continue
        noun = "entry" if reading["new"] == 1 else "entries"
        parts = [f"{reading['new']} {noun} first seen" if n == 0 else f"{reading['new']} new {noun}"] \
            if reading["new"] else []
        parts += [f"{reading[k]} {k}" for k in ("edited", "deleted") if reading[k]]
        lines.append(f"  {reading['at']}  {', '.join(parts)}")
    for change in live["changes"][-keep:]:
        entry = change["headline"] or change["previous_headline"] or change["entry_key"]
        lines.append(f"    {change['captured_at']}  {change['kind']}  “{entry}”"
                     f"  +{change['words_added']}/-{change['words_removed']}")
    return "\n".join(lines)


def summary(record: ChangeRecord) -> dict:
    from db.changes import COLUMNS

    return {c: getattr(record, c) for c in COLUMNS}


# -- diff -------------------------------------------------------------------------------------
def diff_text(record: ChangeRecord, style: Callable[[str, str], str] | None = None) -> str:
    """Changed fields and changed sentences only; `style(op, text)` marks removed/added words."""
    style = style or plain
    lines = []
    for name, change in record.fields.items():
        if name == "title" and change.get("words"):
            lines.append("~ headline: " + "".join(style(op, t) for op, t in change["words"]))
        else:
            lines.append(f"~ {name}: {change['old'] or '(none)'} → {change['new'] or '(none)'}")
    for op in record.ops:
        if op.op == "same":
            continue
        where = f"¶{(op.paragraph or 0) + 1}"
        if op.op == "rewritten":
            text = "".join(style(p, t) for p, t in op.words or [])
        elif op.op == "moved":
            text = f"(moved from sentence {op.old + 1} to {op.new + 1}) {op.text}"
        else:
            text = style("-" if op.op == "deleted" else "+", op.text)
        lines.append(f"{MARKS[op.op]} {where} {op.op}: {text}")
    if record.notice:
        lines.append(f"! notice: {record.notice}")
    if record.minor:
        lines.append("! minor: only punctuation, case or whitespace changed")
    return "\n".join(lines)


def plain(op: str, text: str) -> str:
    # wdiff's markers: readable in a pipe, a file or an e-mail
    return {"-": f"[-{text}-]", "+": f"{{+{text}+}}"}.get(op, text)


def diff_json(url: str, old: dict, new: dict, record: ChangeRecord) -> str:
    ops = [{k: v for k, v in vars(o).items() if v is not None} for o in record.ops if o.op != "same"]
    return json.dumps({"url": url, "from": _ref(old), "to": _ref(new), "record": summary(record),
                       "fields": record.fields, "ops": ops}, ensure_ascii=False, indent=2)


def _ref(version: dict) -> dict:
    return {"version": version["version"], "captured_at": version["captured_at"], "id": version["id"]}


def diff_html(url: str, old: dict, new: dict, record: ChangeRecord) -> str:
    """A standalone page: the new version's text with deletions, insertions and moves marked."""
    e = html.escape
    meta = "".join(f"<li>{e(name)}: {e(str(c['old']))} → {e(str(c['new']))}</li>"
                   for name, c in record.fields.items() if name != "title")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{e(new['title'] or url)}: v{old['version']} → v{new['version']}</title>
<style>del{{background:#fdd;color:#900}} ins{{background:#dfd;color:#060;text-decoration:none}}
.moved{{background:#def;border-bottom:1px dashed #36c}} .rewritten{{border-bottom:1px dotted #999}}</style>
</head><body><p><a href="{e(url)}">{e(url)}</a> · version {old['version']} ({e(old['captured_at'])}) →
{new['version']} ({e(new['captured_at'])}) · {e(', '.join(labels(summary(record))) or 'no change')}</p>
<h1>{headline_html(record, new)}</h1><ul>{meta}</ul>
{diff_inline_html(record, old.get("body"))}
</body></html>"""


def words_html(pieces: list[list[str]], show: str = " -+") -> str:
    """A word diff as HTML: removed words in <del>, added ones in <ins>; `show` picks which
    kinds appear (" -" is the old text, " +" the new one)."""
    e = html.escape
    return "".join(f"<del>{e(t)}</del>" if p == "-" else f"<ins>{e(t)}</ins>" if p == "+" else e(t)
                   for p, t in pieces if p in show)


def headline_html(record: ChangeRecord, new: dict) -> str:
    return words_html(record.fields["title"]["words"]) if "title" in record.fields \
        else html.escape(new["title"] or "")


def diff_inline_html(record: ChangeRecord, old_body: str | None = None) -> str:
    """The new version's paragraphs with every edit marked in place: <ins class="added">,
    <del class="deleted">, <span class="rewritten"> (word diff inside), <span class="moved">."""
    return "".join(f"<p>{''.join(_inline(op) for op in ops)}</p>" for ops in paragraphs(record, old_body))


def diff_side_by_side_html(record: ChangeRecord, old_body: str | None = None) -> str:
    """One row per paragraph: the old text on the left, the new one on the right, marked alike."""
    rows = []
    for ops in paragraphs(record, old_body):
        changed = " changed" if any(op.op != "same" for op in ops) else ""
        old = "".join(_side(op, "old") for op in ops)
        new = "".join(_side(op, "new") for op in ops)
        rows.append(f'<div class="nw-row{changed}"><div class="nw-old">{old}</div>'
                    f'<div class="nw-new">{new}</div></div>')
    return "".join(rows)


def paragraphs(record: ChangeRecord, old_body: str | None = None) -> list[list]:
    """The ops grouped by paragraph of the new version. A deletion stays where it happened; with
    `old_body`, a deleted paragraph is a group of its own rather than the tail of the one before."""
    old_paragraph = [s.paragraph for s in sentences(old_body)] if old_body is not None else None
    groups: list[list] = []
    paragraph = last_old = None
    for op in record.ops:
        if op.op == "deleted":
            here = old_paragraph[op.old] if old_paragraph else None
            start = not groups or (old_paragraph is not None and here != last_old)
        else:
            start = not groups or op.paragraph != paragraph
            paragraph = op.paragraph
        if start:
            groups.append([])
        groups[-1].append(op)
        if old_paragraph and op.old is not None:
            last_old = old_paragraph[op.old]
    return groups


def _inline(op) -> str:
    e = html.escape
    if op.op == "same":
        return e(op.text) + " "
    if op.op == "rewritten":
        return f'<span class="rewritten">{words_html(op.words or [])}</span> '
    if op.op == "moved":
        return f'<span class="moved" title="moved from sentence {op.old + 1}">{e(op.text)}</span> '
    tag = "del" if op.op == "deleted" else "ins"
    return f'<{tag} class="{op.op}">{e(op.text)}</{tag}> '


def _side(op, side: str) -> str:
    e = html.escape
    if op.op == "same":
        return e(op.text) + " "
    if op.op == "rewritten":
        shown = words_html(op.words or [], " -" if side == "old" else " +")
        return f'<span class="rewritten">{shown}</span> '
    if op.op == "moved":
        if side == "old":
            return f'<span class="moved-note">(moved: was sentence {op.old + 1})</span> '
        return f'<span class="moved" title="moved from sentence {op.old + 1}">{e(op.text)}</span> '
    if (op.op == "deleted") == (side == "old"):
        tag = "del" if op.op == "deleted" else "ins"
        return f'<{tag} class="{op.op}">{e(op.text)}</{tag}> '
    return ""


# -- exports ----------------------------------------------------------------------------------
def write_rows(rows: Iterable[dict], fmt: str, out: IO[str]) -> int:
    """JSON Lines or CSV (header from the first row); returns how many rows were written."""
    count, writer = 0, None
    for row in rows:
        if fmt == "jsonl":
            if isinstance(row.get("detail"), str):
                row["detail"] = json.loads(row["detail"])
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow(row)
        count += 1
    return count


# -- Atom feed (RFC 4287) ---------------------------------------------------------------------
def atom_feed(changes: list[dict], *, title: str, feed_id: str, self_url: str | None = None,
              details: dict[int, dict] | None = None, public_url: str | None = None) -> bytes:
    """An Atom feed with one entry per edit, newest first: what changed, the changed sentences
    (`details`: change_records.detail by version id) and, with `public_url`, the diff page."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", feed_id)
    _sub(feed, "updated", changes[0]["captured_at"] if changes else _now())
    ET.SubElement(_sub(feed, "author"), f"{{{ATOM}}}name").text = "newswatch"
    _sub(feed, "generator", "newswatch")
    if self_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    for row in changes:
        entry = _sub(feed, "entry")
        what = ", ".join(labels(row)) or "edited"
        _sub(entry, "title", f"{row['title']} (v{row['version']}: {what})")
        _sub(entry, "id", f"{row['url']}#newswatch-version-{row['version']}")
        _sub(entry, "updated", row["captured_at"])
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=row["url"])
        if public_url:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", title="diff",
                          href=f"{public_url.rstrip('/')}/-/newswatch/diff/{row['article_id']}"
                               f"?a={row['version'] - 1}&b={row['version']}")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=row["source"])
        _sub(entry, "summary", _entry_summary(row, what))
        sentences = changed_sentences((details or {}).get(row.get("version_id"), {}))
        if sentences:
            _sub(entry, "content", "\n".join(sentences)).set("type", "text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


FEED_SENTENCES = 12  # changed sentences an entry lists at most


def changed_sentences(detail: dict) -> list[str]:
    """'+ added', '- deleted', '~ old → new', '> moved' lines from a change record's detail."""
    lines = []
    for op in detail.get("ops", ()):
        if op["op"] == "rewritten":
            lines.append(f"~ {op.get('old_text', '')} → {op['text']}")
        elif op["op"] in ("added", "deleted", "moved"):
            lines.append({"added": "+ ", "deleted": "- ", "moved": "> "}[op["op"]] + op["text"])
    extra = len(lines) - FEED_SENTENCES
    return lines[:FEED_SENTENCES] + ([f"… and {extra} more"] if extra > 0 else [])


def _entry_summary(row: dict, what: str) -> str:
    text = (f"Version {row['version']} captured {row['captured_at']}: {what}; "
            f"+{row['words_added']}/-{row['words_removed']} words.")
    if row.get("title_changed"):
        text += f" Headline was: {row['previous_title']}"
    if row.get("notice_text"):
        text += f" Notice: {row['notice_text']}"
    return text


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    if text is not None:
        element.text = printable(text)  # XML 1.0 allows no C0 control but tab and newline
    return element


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
