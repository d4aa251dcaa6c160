"""Which edits make a notification and what it says: pure functions of a `changes` row and the
sources file (the sending is crawler.notifications.delivery)."""
from __future__ import annotations

from dataclasses import dataclass

from crawler.sources import Config, Source

FIELD_NAMES = {"title": "headline", "byline": "byline", "body": "body", "published": "date"}


@dataclass(frozen=True)
class NotifyRules:
    """Where a source's edits go and which ones: its own targets plus the [settings] ones."""

    targets: tuple[str, ...]
    fields: tuple[str, ...]
    min_words: int
    skip_minor: bool
    stealth_only: bool = False


def rules_for(config: Config, source: Source) -> NotifyRules:
    """The source's filter keys override [settings]; targets add up."""
    pick = lambda own, default: default if own is None else own  # noqa: E731
    return NotifyRules(targets=tuple(dict.fromkeys(source.notify + config.notify)),
                       fields=pick(source.notify_fields, config.notify_fields),
                       min_words=pick(source.notify_min_words, config.notify_min_words),
                       skip_minor=pick(source.notify_skip_minor, config.notify_skip_minor),
                       stealth_only=pick(source.notify_stealth_only, config.notify_stealth_only))


def wanted(edit: dict, rules: NotifyRules) -> bool:
    """Does this `changes` row pass the filter: a watched field changed, enough words, not minor."""
    if rules.skip_minor and edit["minor"]:
        return False
    if rules.stealth_only and not edit.get("stealth"):
        return False
    if not any(edit[f"{f}_changed"] for f in rules.fields):
        return False
    return (edit["words_added"] or 0) + (edit["words_removed"] or 0) >= rules.min_words


def message(edit: dict, public_url: str | None = None) -> tuple[str, str]:
    """A short title and body: headline, URL, what changed, and the diff page when served."""
    fields = [FIELD_NAMES[f] for f in FIELD_NAMES if edit[f"{f}_changed"]]
    what = [", ".join(fields) or "edited", f"+{edit['words_added']}/-{edit['words_removed']} words"]
    for key, word in (("sentences_added", "added"), ("sentences_deleted", "deleted"),
                      ("sentences_rewritten", "rewritten"), ("sentences_moved", "moved")):
        if edit[key]:
            what.append(f"{edit[key]} sentence{'s' if edit[key] > 1 else ''} {word}")
    if edit["notice"]:
        what.append(edit["notice"].replace("_", " "))
    if edit["minor"]:
        what.append("minor")
    lines = [edit["title"] or edit["url"], edit["url"], "Changed: " + " · ".join(what)]
    if edit["title_changed"]:
        lines.append(f"Headline was: {edit['previous_title']}")
    if edit["notice_text"]:
        lines.append(f"Notice: {edit['notice_text']}")
    if public_url:
        lines.append(f"Diff: {diff_url(public_url, edit)}")
    return f"[{edit['source']}] edited: {edit['title'] or edit['url']}", "\n".join(lines)


def diff_url(public_url: str, edit: dict) -> str:
    """The diff page of `newswatch serve` (newswatch.datasette_plugins) for this edit."""
    return (f"{public_url.rstrip('/')}/-/newswatch/diff/{edit['article_id']}"
            f"?a={edit['version'] - 1}&b={edit['version']}")
