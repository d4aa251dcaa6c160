"""Placement rows after compaction: a generated site with 200-link fronts read every 5 minutes for
a simulated day, stored with the real writer (db.fronts.record_front_reading) in a real SQLite
file, against the naive one row per link per reading.

    .venv/bin/python bench/fronts.py [--links 200] [--every 5] [--hours 24] [--fronts 3] [--seed 1]

The front changes the way news fronts do: every reading, a few new stories arrive at the top and
push the others down (so ranks shift by one or two and cross a band now and then), the oldest
drop off the bottom, one story in ten is shown under a second headline for a while (an A/B test
served to every other request), and once an hour a story is promoted to the lead.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.fronts import Placement, record_front_reading  # noqa: E402
from db.schema import open_db  # noqa: E402


def simulate(db, front: str, links: int, every: int, hours: int, rng: random.Random) -> int:
    """Read one simulated front `hours * 60 / every` times; returns the readings."""
    stories = [f"{front}story-{i}" for i in range(links)]
    next_id, t0 = links, datetime(2026, 1, 1, tzinfo=timezone.utc)
    tests = {}  # url -> second headline while its test runs
    readings = hours * 60 // every
    for n in range(readings):
        for _ in range(rng.choice((0, 0, 1, 1, 2))):  # new stories arrive at the top
            stories.insert(rng.randrange(0, 5), f"{front}story-{next_id}")
            next_id += 1
        del stories[links:]
        if n % (60 // every) == 0 and len(stories) > 10:  # hourly: a story promoted to the lead
            stories.insert(0, stories.pop(rng.randrange(5, len(stories))))
        for url in list(tests):
            if rng.random() < 0.05:  # tests end after ~20 readings
                del tests[url]
        if rng.random() < 0.3:
            tests[rng.choice(stories[:30])] = "variant"
        placements = [Placement(url, rank, (f"Alternative headline {url}" if url in tests and n % 2
                                            else f"Headline {url}"), "Top stories" if rank <= 10 else "More")
                      for rank, url in enumerate(stories, start=1)]
        record_front_reading(db, "bench", front, t0 + timedelta(minutes=every * n), placements)
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--every", type=int, default=5, help="minutes between readings")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--fronts", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "fronts.db")
        started = time.perf_counter()
        readings = sum(simulate(db, f"https://news{i}.example/", args.links, args.every, args.hours, rng)
                       for i in range(args.fronts))
        elapsed = time.perf_counter() - started
        rows = db.execute("select count(*) from placements").fetchone()[0]
        naive = db.execute("select sum(links) from front_readings").fetchone()[0]
    print("| fronts | links per front | readings | naive rows | placement rows | share | ms per reading |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.fronts} | {args.links} | {readings} | {naive:,} | {rows:,} | {rows / naive:.1%} | "
          f"{elapsed * 1000 / readings:.1f} |")


if __name__ == "__main__":
    main()
