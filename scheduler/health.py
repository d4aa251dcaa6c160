"""Extraction health: tell "the site's markup changed" apart from "the articles were edited".

When a site changes its templates the cleaner keeps running but reads something else: pages
with no article, bodies that shrink, or every article "changing" at once. Edits are a few
articles at a time with their body length intact. A source is compared with its own history.
"""
from __future__ import annotations

from datetime import datetime, timedelta

RECENT = timedelta(days=1)  # the window judged ...
HISTORY = timedelta(days=30)  # ... against the 30 days before it
MIN_RECENT_CHECKS = 5  # below this the numbers say nothing
FAILED_SHARE = 0.3  # at least this share of recent checks read no article ...
FAILED_RISE = 0.25  # ... and that share rose this much over the source's history
SHRINK = 0.5  # recent versions' median body under half of the historical median
MIN_VERSIONS = 3
MASS_CHANGE = 0.5  # half of the recent checks found a change ...
USUAL_CHANGE = 0.2  # ... where usually under a fifth do


def windows(now: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """(recent since, until), (history since, until)."""
    return (now - RECENT, now + timedelta(seconds=1)), (now - RECENT - HISTORY, now - RECENT)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def extraction_warning(recent: dict, history: dict) -> str | None:
    """One line when recent extraction degraded against history, else None.

    Both dicts as db.operations.extraction_numbers returns them: checks, failed, changed,
    versions, median_body.
    """
    if recent["checks"] < MIN_RECENT_CHECKS:
        return None
    failed, failed_before = (_share(recent["failed"], recent["checks"]),
                             _share(history["failed"], history["checks"]))
    if failed >= FAILED_SHARE and failed - failed_before >= FAILED_RISE:
        return (f"the site's markup may have changed: {failed:.0%} of checks in the last day found "
                f"no article (before: {failed_before:.0%})")
    if (recent["versions"] >= MIN_VERSIONS and history["versions"] >= MIN_VERSIONS
            and history["median_body"] and recent["median_body"] is not None
            and recent["median_body"] < SHRINK * history["median_body"]):
        return (f"the site's markup may have changed: new versions have a median body of "
                f"{recent['median_body']:.0f} characters (before: {history['median_body']:.0f})")
    changed, changed_before = (_share(recent["changed"], recent["checks"]),
                               _share(history["changed"], history["checks"]))
    if history["checks"] >= MIN_RECENT_CHECKS and changed >= MASS_CHANGE and \
            changed_before < USUAL_CHANGE:
        return (f"the site's markup may have changed: {changed:.0%} of checks in the last day "
                f"found a change at once (before: {changed_before:.0%}); edits come a few at a time")
    return None

