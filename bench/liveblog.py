"""A live blog read every 5 minutes for a simulated day, through the real cleaner and writer
(crawler.cleaner.clean, db.store.record_fetch) into a real SQLite file: versions, entries and
change rows stored, against one version per reading that showed a new post, and the time per
reading.

    .venv/bin/python bench/liveblog.py [--every 5] [--hours 24] [--shown 50] [--seed 1] [--no-ids]

Every reading brings a new post two times in three, one post in twenty is edited later, one in
fifty deleted; the page shows the newest `--shown` posts (older ones scroll off). `--no-ids`
leaves the ids out of JSON-LD and the page, so that entries are found by their text.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.cleaner import clean  # noqa: E402
from crawler.items import content_of  # noqa: E402
from db.schema import open_db  # noqa: E402
from db.store import Fetch, record_fetch  # noqa: E402

URL = "https://example.org/live/day"


def page(posts: list[tuple[int, str]], ids: bool) -> str:
    """The live blog with `posts` (number, text), newest first."""
    updates = [{"@type": "BlogPosting", **({"@id": f"{URL}#post-{n}"} if ids else {}),
                "headline": f"Post {n}", "articleBody": text} for n, text in posts]
    shown = "".join(f'<article{f" id=post-{n}" if ids else ""}><h2>Post {n}</h2><p>{text}</p></article>'
                    for n, text in posts)
    data = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": "The day, live",
            "liveBlogUpdate": updates}
    return (f'<html><head><title>The day, live</title><script type="application/ld+json">{json.dumps(data)}'
            "</script></head><body><main><h1>The day, live</h1><p class=standfirst>What happened "
            f"today in the valley, as it happened, from our reporters.</p>{shown}</main></body></html>")


def simulate(db, every: int, hours: int, shown: int, ids: bool, rng: random.Random) -> tuple[int, float]:
    """Read the live blog `hours * 60 / every` times; returns (readings with a new post, seconds)."""
    posts: dict[int, str] = {}
    t0, posting, spent = datetime(2026, 3, 1, tzinfo=timezone.utc), 0, 0.0
    for reading in range(hours * 60 // every):
        if rng.random() < 2 / 3:
            posting += 1
            posts[posting] = f"Post {posting}: reporters in the valley sent word {rng.randrange(10**6)}."
        for n in list(posts):
            if rng.random() < 1 / (20 * shown):
                posts[n] += " (updated)"
            elif rng.random() < 1 / (50 * shown) and n != max(posts):
                del posts[n]
        newest = sorted(posts, reverse=True)[:shown]
        html = page([(n, posts[n]) for n in newest], ids)
        now = t0 + timedelta(minutes=reading * every)
        start = time.perf_counter()
        record_fetch(db, Fetch(url=URL, source="bench", checked_at=now, http_status=200, raw_hash=str(reading)),
                     content_of(clean(html, URL), now), lambda *a, **k: None)
        spent += time.perf_counter() - start
    return posting, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=5, help="minutes between readings")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--shown", type=int, default=50, help="posts the page shows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-ids", action="store_true", help="entries without ids")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        posted, spent = simulate(db, args.every, args.hours, args.shown, not args.no_ids, random.Random(args.seed))
        readings = args.hours * 60 // args.every
        count = {t: db.execute(f"select count(*) from {t}").fetchone()[0]
                 for t in ("versions", "live_entries", "live_changes")}
        kinds = dict(db.execute("select kind, count(*) from live_changes group by kind").fetchall())
    print(f"{readings} readings, {posted} posts: {count['versions']} version(s) (naive: one per reading "
          f"with a new post, {posted}), {count['live_entries']} live_entries rows, "
          f"{count['live_changes']} live_changes rows {kinds}; {spent / readings * 1000:.0f} ms per reading "
          "(clean + store)")


if __name__ == "__main__":
    main()
