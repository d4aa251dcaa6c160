"""A child that writes fetches as fast as the store allows, to be killed (tests/test_crash.py).

`python -m tests.crash_writer DB ARTICLES SEED`: endless rounds over ARTICLES URLs; each fetch
is new content (a new version) or the same content (an unchanged check), chosen by SEED. The
parent kills it with SIGKILL at a random moment, mostly inside a write transaction."""
from __future__ import annotations

import random
import sys
from datetime import datetime, timezone

from crawler.recheck.policy import schedule_for
from crawler.sources import DEFAULT_TIERS
from db.schema import open_db
from db.store import Content, Fetch, record_fetch


def main(path: str, articles: int, seed: int) -> None:
    rng, db, schedule = random.Random(seed), open_db(path), schedule_for(DEFAULT_TIERS)
    print("writing", flush=True)  # the parent's kills aim at the writes, not at the start-up
    for _ in range(100_000):  # bounded; the parent kills it long before
        n = rng.randrange(articles)
        edit = rng.randrange(3)
        body = "\n".join(f"Paragraph {p} of story {n} says {p * 7 + n} things happened."
                         + (f" Update {edit}: more." if p == edit else "") for p in range(12))
        record_fetch(db, Fetch(url=f"http://127.0.0.1/news/story-{n}", source="crash",
                               checked_at=datetime.now(timezone.utc), http_status=200),
                     Content(title=f"Story {n} (edit {edit})", byline="By A. Writer", body=body),
                     schedule)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
