"""Which known articles a re-check takes: the due ones of the selected sources that are this
worker's share, most overdue first, capped as the sources file says."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from crawler.recheck.policy import apply_tiers, select_due
from crawler.recheck.sharding import shard_by_domain, shard_of
from crawler.sources import Config, Source
from db.queries import due_articles


@dataclass
class Selection:
    """The due articles a worker process re-checks, with their sources."""

    rows: list[tuple[dict, Source]]
    due_left: int = 0  # due, but over this run's caps: the next runs take them


def select(db, config: Config, selected: Sequence[Source], *, by_name: bool, every: bool,
           urls: Sequence[str] | None, shard: int, shards: int,
           warn: Callable[[str], None]) -> Selection:
    """The articles due (or all of them: `every`, or just `urls`) of the `selected` sources that
    are this worker's share, most overdue first and capped as the sources file says."""
    now = datetime.now(timezone.utc)
    names = [s.name for s in selected] if by_name else None
    rows = due_articles(db, now, sources=names, every=every, urls=urls)
    by_domain = shard_by_domain(d for s in selected for d in s.allowed_domains)
    if shards > 1:
        rows = [row for row in rows if shard_of(row["url"], shards, by_domain) == shard]
    due_left = 0
    if not every and urls is None:
        # A worker of a sharded crawl chooses among its own share only, with its share of the
        # caps: choosing among all due articles raced with the other workers, whose writes
        # move their articles' next_check_at while this one is still starting.
        def share(cap: int) -> int:  # this worker's part of a crawl-wide cap; they add up to it
            return cap // shards + (1 if shard < cap % shards else 0)

        due = len(rows)
        per_domain = config.max_checks_per_domain
        rows = select_due(rows, now, max_total=share(config.max_checks_per_run),
                          max_per_domain=per_domain if by_domain else share(per_domain))
        due_left = due - len(rows)
    sources = {s.name: s for s in config.sources}
    chosen = []
    for row in rows:
        source = sources.get(row["source"])
        if source is None:
            warn(f"{row['url']}: its source {row['source']!r} is no longer in the sources file; skipped")
            continue
        chosen.append((row, source))
    return Selection(chosen, due_left)


def replan(db, config: Config, warn: Callable[[str], None]) -> None:
    """Before choosing what is due: re-plan the tracked articles if the tiers changed."""
    moved = apply_tiers(db, config.tiers)
    if moved:
        warn(f"the tiers changed: the next check of {moved} tracked article(s) was planned again")
