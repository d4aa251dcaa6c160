"""Simulate the default re-check policy on 100,000 tracked articles (README figures).

    .venv/bin/python bench/schedule_sim.py [--articles 100000] [--sites 20] [--seed 1]

Uses the real policy (crawler.recheck.policy.next_check_at, select_due) and the default settings on a
simulated clock: articles of mixed ages (publication spread evenly over the 30 days the
default tiers track, new ones arriving at the same rate) on sites of Zipf-like sizes; a check
finds an edit with a probability that falls with age. After a day to settle it measures one
day of re-checks, then stops the daemon for a week and counts how long the backlog takes to
drain at the default caps. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import heapq
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import mean, median

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.recheck.policy import JITTER, check_interval, domain_of, next_check_at, select_due  # noqa: E402
from crawler.sources import DEFAULT_TIERS, Config  # noqa: E402

DEFAULTS = Config(path=Path("sources.toml"))
STEP = DEFAULTS.recheck_every
WINDOW = DEFAULT_TIERS[-1].younger_than  # articles older than this are no longer checked
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
# Chance that a check finds an edit, by age (edits cluster in the first hours).
EDIT_CHANCE = ((3 * 3600, 0.10), (86400, 0.03), (7 * 86400, 0.005), (float("inf"), 0.001))


class Sim:
    def __init__(self, articles: int, sites: int, seed: int):
        self.rng = random.Random(seed)
        weights = [1 / rank for rank in range(1, sites + 1)]
        self.site_share = [w / sum(weights) for w in weights]
        self.rows: dict[int, dict] = {}
        self.heap: list[tuple[datetime, int]] = []
        self.rate = articles / WINDOW  # new articles per second: keeps the population steady
        self.next_id = 0
        self.now = T0
        for _ in range(articles):  # the tracked population, in its steady state
            age = self.rng.uniform(0, WINDOW)
            due, last, unchanged = self.past_checks(age)
            published = T0 - timedelta(seconds=age)
            self.add(published, None if due is None else T0 + timedelta(seconds=due),
                     T0 + timedelta(seconds=last), unchanged)

    def edited(self, age: float) -> bool:
        return self.rng.random() < next(p for limit, p in EDIT_CHANCE if age < limit)

    def past_checks(self, age_now: float) -> tuple[float | None, float, int]:
        """Replay an article's checks from publication up to now (in seconds relative to now), so
        that the starting population has the intervals and back-off streaks of a steady state
        rather than all starting together. Returns (next due, last check, unchanged streak)."""
        at, unchanged, edited = -age_now, 0, False
        while True:
            step = check_interval(at + age_now, DEFAULT_TIERS, changed=edited, unchanged=unchanged)
            if step is None:
                return None, at, unchanged
            following = at + step * (1 + self.rng.uniform(-JITTER, JITTER))
            if following > 0:
                return following, at, unchanged
            at = following
            edited = self.edited(at + age_now)
            unchanged = 0 if edited else unchanged + 1

    def add(self, published: datetime, due: datetime | None, last: datetime | None = None,
            unchanged: int = 0) -> None:
        self.next_id += 1
        site = self.rng.choices(range(len(self.site_share)), self.site_share)[0]
        row = {"id": self.next_id, "url": f"https://site{site}.example/{self.next_id}",
               "published": published, "next_check_at": due, "last_checked": last or published,
               "unchanged": unchanged}
        self.rows[self.next_id] = row
        if due is not None:
            heapq.heappush(self.heap, (due, self.next_id))

    def discover(self, since: datetime, until: datetime, listed: float = 86400) -> None:
        """New articles published in (since, until]; feeds list only the last `listed` seconds."""
        count = int(self.rng.gauss(self.rate * (until - since).total_seconds(), 1) + 0.5)
        for _ in range(max(count, 0)):
            published = since + (until - since) * self.rng.random()
            if (until - published).total_seconds() <= listed:
                self.add(published, until)  # first fetch now; its schedule starts from there

    def due_rows(self, pool: dict[int, dict]) -> dict[int, dict]:
        while self.heap and self.heap[0][0] <= self.now:
            _, key = heapq.heappop(self.heap)
            pool[key] = self.rows[key]
        return pool

    def check(self, row: dict) -> None:
        edited = self.edited((self.now - row["published"]).total_seconds())
        row["unchanged"] = 0 if edited else row["unchanged"] + 1
        row["last_checked"] = self.now
        row["next_check_at"] = next_check_at(row["published"], self.now, edited, DEFAULT_TIERS,
                                             unchanged=row["unchanged"], key=row["url"])
        if row["next_check_at"] is not None:
            heapq.heappush(self.heap, (row["next_check_at"], row["id"]))

    def run(self, steps: int, pool: dict[int, dict], until_drained: bool = False) -> list[dict]:
        """`steps` re-check runs of the default caps; one record per run."""
        runs = []
        for _ in range(steps):
            self.discover(self.now - timedelta(seconds=STEP), self.now)
            self.due_rows(pool)
            taken = select_due(pool.values(), self.now, max_total=DEFAULTS.max_checks_per_run,
                               max_per_domain=DEFAULTS.max_checks_per_domain)
            late = [(self.now - r["next_check_at"]).total_seconds() for r in taken]
            for row in taken:
                del pool[row["id"]]
                self.check(row)
            domains = Counter(domain_of(r["url"]) for r in taken)
            runs.append({"at": self.now, "checks": len(taken), "left": len(pool), "late": late,
                         "per_domain": max(domains.values(), default=0)})
            self.now += timedelta(seconds=STEP)
            if until_drained and not pool and len(taken) < DEFAULTS.max_checks_per_run:
                break
        return runs


def hours(seconds: float) -> str:
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    sim, pool = Sim(args.articles, args.sites, args.seed), {}
    per_day = 86400 // STEP
    sim.run(per_day, pool)  # settle
    day = sim.run(per_day, pool)
    checks = sum(r["checks"] for r in day)
    by_hour = [sum(r["checks"] for r in day[h * 12:(h + 1) * 12]) for h in range(24)]
    per_run = [r["checks"] for r in day]
    late = sorted(x for r in day for x in r["late"])
    tracked = sum(1 for r in sim.rows.values() if r["next_check_at"] is not None)

    sim.now += timedelta(days=7)  # the daemon is off for a week ...
    backlog = len(sim.due_rows(pool))
    sim.discover(sim.now - timedelta(days=7), sim.now)  # ... and catches up on the feeds
    drain = sim.run(30 * per_day, pool, until_drained=True)
    drained = len(drain) * STEP
    capped = sum(1 for r in drain if r["checks"] >= DEFAULTS.max_checks_per_run)

    largest = max(sim.site_share)
    rows = [
        ("tracked articles",
         f"{args.articles:,} of ages 0-30 days on {args.sites} sites (largest {largest:.0%}); "
         f"{tracked:,} with a next check after the simulated days"),
        ("re-checks per day", f"{checks:,} ({checks / args.articles:.2f} per tracked article)"),
        ("re-checks per hour: mean / max", f"{mean(by_hour):,.0f} / {max(by_hour):,} "
                                             f"(max/mean {max(by_hour) / mean(by_hour):.2f})"),
        ("re-checks per 5-minute run: mean / max",
         f"{mean(per_run):,.0f} / {max(per_run):,} (cap {DEFAULTS.max_checks_per_run:,})"),
        ("lateness of a check: median / p99",
         f"{median(late):.0f} s / {late[int(len(late) * .99)]:.0f} s"),
        ("backlog after a week off", f"{backlog:,} overdue articles (every one with a next check)"),
        ("backlog drained after", f"{hours(drained)} ({len(drain)} runs, {capped} of them at the "
                                  f"cap of {DEFAULTS.max_checks_per_run:,})"),
        ("largest run while draining: checks / from one domain",
         f"{max(r['checks'] for r in drain):,} / {max(r['per_domain'] for r in drain):,} "
         "(no burst: the caps hold)"),
    ]
    print(f"| figure (default policy, re-check every {STEP // 60} min, caps "
          f"{DEFAULTS.max_checks_per_run:,} per run / {DEFAULTS.max_checks_per_domain:,} per "
          "domain) | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\n(simulated in {time.monotonic() - started:.0f} s, seed {args.seed})", file=sys.stderr)


if __name__ == "__main__":
    main()
