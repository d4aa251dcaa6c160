"""Latency of `changes --since 1d` and `search` on a generated database.

    .venv/bin/python bench/changes_queries.py                 # 100,000 articles x 10 versions
    .venv/bin/python bench/changes_queries.py --articles 2000 # a quick look

The database is written straight with SQL inserts in batches (no crawl, no cleaner): articles of
six ten-word sentences over a Zipf-like vocabulary, each new version rewriting one sentence,
versions spread over the last 30 days, one change record per version after the first with
labels drawn at random. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import queries  # noqa: E402
from db.schema import open_db, write_transaction  # noqa: E402

SENTENCES, WORDS = 6, 10
DAYS = 30
BATCH = 20_000


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "pa", "gu", "ber", "lin", "ost", "ran",
                 "tem", "zu", "fa", "qui", "dor"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size * 3)})
    rng.shuffle(words)
    words = words[:size]
    # Zipf-like: a few words are common, most are rare (cumulative weights: choices() stays O(log n))
    return words, list(itertools.accumulate(1 / (rank + 10) for rank in range(len(words))))


def build(path: Path, articles: int, versions: int, seed: int = 6) -> float:
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = open_db(path)
    db.execute("PRAGMA synchronous = OFF")
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    now = datetime.now(timezone.utc)
    sentence = lambda: " ".join(rng.choices(words, cum_weights=weights, k=WORDS)).capitalize() + "."  # noqa: E731
    rows_a, rows_v, rows_c = [], [], []
    version_id = 0
    for article_id in range(1, articles + 1):
        first = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        body = [sentence() for _ in range(SENTENCES)]
        title = sentence()[:-1]
        at = first
        for number in range(1, versions + 1):
            version_id += 1
            if number > 1:
                body[rng.randrange(SENTENCES)] = sentence()
                at = at + timedelta(seconds=rng.uniform(600, 6 * 3600))
                rows_c.append(_record(rng, version_id, article_id, at))
            rows_v.append((version_id, article_id, number, _iso(min(at, now)), title, "A. Reporter",
                           "\n".join(body), f"{version_id:064x}", 10 if number > 1 else 70,
                           10 if number > 1 else 0, int(number > 1)))
        rows_a.append((article_id, f"https://bench.example/{article_id}", f"source{article_id % 20}",
                       _iso(first), "live", version_id, versions, title))
        if len(rows_v) >= BATCH:
            _flush(db, rows_a, rows_v, rows_c)
    _flush(db, rows_a, rows_v, rows_c)
    db.execute("analyze")
    db.close()
    return time.perf_counter() - started


def _record(rng: random.Random, version_id: int, article_id: int, at: datetime) -> tuple:
    notice = rng.choices([None, "correction", "update", "editors_note"], [97, 1, 1.5, 0.5])[0]
    return (version_id, version_id - 1, article_id, _iso(min(at, datetime.now(timezone.utc))),
            int(rng.random() < 0.05), 0, 1, 0, 0, 0, 1, 0, int(rng.random() < 0.1),
            int(rng.random() < 0.1), notice, None, int(rng.random() < 0.08), json.dumps({"ops": []}), "1")


def _flush(db, rows_a: list, rows_v: list, rows_c: list) -> None:
    with write_transaction(db):
        db.conn.executemany(
            "insert into articles (id, url, source, first_seen, status, current_version_id, version_count, "
            "title) values (?, ?, ?, ?, ?, ?, ?, ?)", rows_a)
        db.conn.executemany(
            "insert into versions (id, article_id, version, captured_at, title, byline, body, content_hash, "
            "words_added, words_removed, body_changed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows_v)
        db.conn.executemany(
            "insert into change_records (version_id, previous_version_id, article_id, captured_at, "
            "title_changed, byline_changed, body_changed, published_changed, sentences_added, "
            "sentences_deleted, sentences_rewritten, sentences_moved, numbers_changed, quotes_changed, "
            "notice, notice_text, minor, detail, record_version) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows_c)
    rows_a.clear(), rows_v.clear(), rows_c.clear()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def timed(call, repeat: int = 7) -> tuple[float, float, int]:
    call()  # warm the page cache: we measure queries, not the disk
    samples, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = len(call())
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--db", type=Path, default=Path("/tmp/newswatch-bench.db"))
    parser.add_argument("--reuse", action="store_true", help="Query an existing --db, do not rebuild.")
    args = parser.parse_args()
    if not args.reuse:
        seconds = build(args.db, args.articles, args.versions)
        print(f"built {args.db} ({args.articles:,} articles x {args.versions} versions) in {seconds:.0f} s, "
              f"{args.db.stat().st_size / 1e6:,.0f} MB", file=sys.stderr)
    db = open_db(args.db, readonly=True)
    total = db.execute("select count(*) from versions").fetchone()[0]
    day = datetime.now(timezone.utc) - timedelta(days=1)
    words = [r[0] for r in db.execute("select title from versions where id in (1, 2, 3)")]
    common, rare = words[0].split()[0].lower(), words[2].split()[-1].lower()
    cases = [
        ("`changes --since 1d` (CLI default: newest 100)", lambda: queries.changes_since(db, day, limit=100)),
        ("`changes --since 1d --limit 0` (every edit of the day)", lambda: queries.changes_since(db, day)),
        ("`changes --since 1d --kind correction --no-minor`",
         lambda: queries.changes_since(db, day, kinds=["correction"], no_minor=True, limit=100)),
        ("`changes --since 1d --source source3`", lambda: queries.changes_since(db, day, source="source3", limit=100)),
        (f"`search {common}` (a common word)", lambda: queries.search_versions(db, common)),
        (f"`search {rare}` (a rarer word)", lambda: queries.search_versions(db, rare)),
        (f"`search '\"{common} {rare}\"'` (a phrase)", lambda: queries.search_versions(db, f'"{common} {rare}"')),
        (f"`search {rare} --current-only`", lambda: queries.search_versions(db, rare, current_only=True)),
    ]
    print(f"\n{total:,} versions ({args.articles:,} articles x {args.versions}), SQLite "
          f"{db.execute('select sqlite_version()').fetchone()[0]}\n")
    print("| query | rows | median ms | max ms |\n|---|---:|---:|---:|")
    for label, call in cases:
        median, worst, size = timed(call)
        print(f"| {label} | {size:,} | {median:.1f} | {worst:.1f} |")
    for term in (common, rare):
        hits = db.execute("select count(*) from versions_fts where versions_fts match ?", [term]).fetchone()[0]
        print(f"\n`{term}` is in {hits:,} versions", end="")
    print()


if __name__ == "__main__":
    main()
