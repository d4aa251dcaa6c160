"""When to look at an article again (the adaptive re-check policy) and which due articles a run takes.

Everything here is a pure function of its arguments (the clock is passed in), so the
policy can be tested and simulated without sleeping: see tests/test_policy.py and
bench/schedule_sim.py.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from crawler.sources import Tier
from db.schema import parse_iso

# Edits come in bursts: right after a detected edit the next check comes this much sooner.
CHANGE_FACTOR = 0.5
# Each unchanged check in a row stretches the interval by this factor ("back-off") ...
BACKOFF_FACTOR = 1.5
# ... but never beyond the next tier's interval: an article in the 15-minute tier is still
# checked at least hourly. In the last tier the tier's own interval is the bound.
# No interval ever goes below this (nor below the tier's own interval when that is shorter).
MIN_INTERVAL_SECONDS = 60
# Checks are spread by up to ±10% so that the articles of one site do not all fall due at once.
JITTER = 0.10


def tier_index(age_seconds: float, tiers: Sequence[Tier]) -> int | None:
    """The index of the tier an article of this age is in; None past the last tier."""
    for index, tier in enumerate(tiers):
        if age_seconds < tier.younger_than:
            return index
    return None


def jitter_fraction(key: str, now: datetime) -> float:
    """A number in [-JITTER, +JITTER], the same for the same article and moment (seeded hash),
    so that a re-run or a test sees the same schedule."""
    digest = hashlib.blake2b(f"{key}|{now.isoformat()}".encode(), digest_size=8).digest()
    unit = int.from_bytes(digest, "big") / 2 ** 64  # [0, 1)
    return (2 * unit - 1) * JITTER


def check_interval(age_seconds: float, tiers: Sequence[Tier], *, changed: bool = False,
                   unchanged: int = 0) -> float | None:
    """Seconds until the next check, before jitter; None: stop checking.

    `changed`: this check found an edit (not the first version). `unchanged`: how many checks
    in a row, this one included, found the article as it was.
    """
    index = tier_index(age_seconds, tiers)
    if index is None:
        # Past the last tier: no more checks, except one more soon after an edit (an edit of
        # an old article, revived by a hint, is often followed by another).
        return tiers[-1].every * CHANGE_FACTOR if changed else None
    base = tiers[index].every
    floor = min(base, MIN_INTERVAL_SECONDS)
    if changed:
        return max(base * CHANGE_FACTOR, floor)
    bound = tiers[index + 1].every if index + 1 < len(tiers) else base
    return max(min(base * BACKOFF_FACTOR ** max(unchanged - 1, 0), max(bound, base)), floor)


def next_check_at(basis: datetime, now: datetime, changed: bool, tiers: Sequence[Tier], *,
                  unchanged: int = 0, key: str = "") -> datetime | None:
    """The next re-check of an article whose age counts from `basis` (publication or first seen).

    Younger articles are checked more often because that is when edits happen; an edit brings
    the next check forward, a run of unchanged checks pushes it back (bounded by the next
    tier), and ±10% jitter keyed on the article spreads the checks of one site. Past the last
    tier the article is no longer checked (None) until a hint (db.store.hint_recheck) revives it.
    """
    age = max((now - basis).total_seconds(), 0.0)
    interval = check_interval(age, tiers, changed=changed, unchanged=unchanged)
    if interval is None:
        return None
    return now + timedelta(seconds=interval * (1 + jitter_fraction(key, now)))


def schedule_for(tiers: Sequence[Tier]):
    """A `db.store.Schedule` bound to these tiers."""
    def schedule(basis: datetime, now: datetime, changed: bool, *, unchanged: int = 0,
                 key: str = "") -> datetime | None:
        return next_check_at(basis, now, changed, tiers, unchanged=unchanged, key=key)
    return schedule


def apply_tiers(db, tiers: Sequence[Tier], now: datetime | None = None) -> int | None:
    """Re-plan the tracked articles when the sources file's tiers changed since the schedule was
    last computed (db.store.reschedule); None when they did not. Run before every re-check."""
    from db.store import reschedule

    fingerprint = ";".join(f"{t.younger_than:g}/{t.every:g}" for t in tiers)
    return reschedule(db, schedule_for(tiers), fingerprint, now or datetime.now(timezone.utc))


# -- backlog control ----------------------------------------------------------------------------
def domain_of(url: str) -> str:
    """The host a request goes to (what per-domain caps count), without a leading www."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _moment(value: str | datetime | None) -> datetime | None:
    return value if value is None or isinstance(value, datetime) else parse_iso(value)


def overdue_priority(row: dict, now: datetime) -> float:
    """How overdue an article is, in units of its own interval: (now - due) / interval.

    An article checked every 15 minutes that is 30 minutes late (2.0) goes before one checked
    daily that is 2 hours late (0.08). The interval is next_check_at - last_checked (what the
    policy chose last time); unknown or zero counts as one minute.
    """
    due, last = _moment(row.get("next_check_at")), _moment(row.get("last_checked"))
    if due is None:
        return 0.0
    interval = (due - last).total_seconds() if last is not None else 0.0
    return (now - due).total_seconds() / max(interval, MIN_INTERVAL_SECONDS)


def select_due(rows: Iterable[dict], now: datetime, *, max_total: int,
               max_per_domain: int) -> list[dict]:
    """The due articles one re-check run takes: most overdue first, at most `max_total`, and at
    most `max_per_domain` from any one domain so that a big site cannot starve the others.

    `rows` need url, next_check_at and last_checked (as db.queries.due_articles returns them).
    What is left stays due and is taken by the next runs, so a backlog drains gradually.
    """
    ranked = sorted(rows, key=lambda r: (-overdue_priority(r, now), r.get("id") or 0))
    taken: list[dict] = []
    per_domain: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for row in ranked:
        if len(taken) >= max_total:
            break
        domain = domain_of(row["url"])
        if per_domain[domain] >= max_per_domain or row["url"] in seen:
            continue
        per_domain[domain] += 1
        seen.add(row["url"])
        taken.append(row)
    return taken
