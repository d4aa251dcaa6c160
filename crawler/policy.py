"""When to look at an article again: the age-tier re-check policy."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from crawler.sources import Tier


def next_check_at(basis: datetime, now: datetime, changed: bool, tiers: Sequence[Tier]) -> datetime | None:
    """The next re-check of an article whose age counts from `basis` (publication or first seen).

    Younger articles are checked more often because that is when edits happen; past the last
    tier the article is no longer checked (None). `changed` is accepted so that the adaptive
    policy can speed up after an edit without changing this signature.
    """
    age = max((now - basis).total_seconds(), 0.0)
    for tier in tiers:
        if age < tier.younger_than:
            return now + timedelta(seconds=tier.every)
    return None


def schedule_for(tiers: Sequence[Tier]):
    """A `db.store.Schedule` bound to these tiers."""
    return lambda basis, now, changed: next_check_at(basis, now, changed, tiers)
