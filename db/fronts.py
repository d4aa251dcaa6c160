"""Front pages: where each article was placed on a site's fronts, and the headlines it was shown
under there. Stored compactly: a placement *run* is one row per article per front for as long as
its rank band, section and link text stay the same; a reading that changes none of them only
moves the run's `last_seen`."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from db.queries import in_chunks
from db.schema import iso, parse_iso, write_transaction
from db.where import Where

if TYPE_CHECKING:  # loaded by open_db: importing a db module stays cheap
    import sqlite_utils

# Ranks are kept as bands: moving from 7th to 8th place is not news, leaving the top 3 is.
RANK_BANDS = ((1, "1"), (3, "2-3"), (10, "4-10"), (25, "11-25"), (50, "26-50"))
# A/B tests: two or more link texts for one article alternating on a front within this window.
TEST_WINDOW = timedelta(hours=6)
_FOLD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Placement:
    """One article link as a front shows it: its rank among the front's article links in
    document order (1 = first), the section heading it sits under, and the link text."""

    url: str
    rank: int
    link_text: str
    section: str | None = None


def rank_band(rank: int) -> str:
    return next((label for top, label in RANK_BANDS if rank <= top), "51+")


def record_front_reading(db: sqlite_utils.Database, source: str, front: str, at: datetime,
                         placements: Sequence[Placement], crawl_id: int | None = None) -> dict[str, int]:
    """Record one reading of `front` in one transaction. Returns counts: runs opened, runs
    extended, runs closed (articles that left the front or changed band, section or text)."""
    counts = {"opened": 0, "extended": 0, "closed": 0}
    when = iso(at)
    with write_transaction(db):
        db.execute("insert into front_readings (front, source, captured_at, links, crawl_id) "
                   "values (?, ?, ?, ?, ?)", [front, source, when, len(placements), crawl_id])
        open_runs = {row["url"]: row for row in db.query(
            "select id, url, link_text, section, rank_band, best_rank from placements "
            "where front = ? and open = 1", [front])}
        for placement in placements:
            run = open_runs.pop(placement.url, None)
            band = rank_band(placement.rank)
            if run is not None and (run["link_text"], run["section"], run["rank_band"]) == \
                    (placement.link_text, placement.section, band):
                db.execute("update placements set last_seen = ?, readings = readings + 1, "
                           "best_rank = min(best_rank, ?) where id = ?", [when, placement.rank, run["id"]])
                counts["extended"] += 1
                continue
            if run is not None:
                _close(db, run["id"], when)
                counts["closed"] += 1
            db.execute("insert into placements (front, source, url, link_text, section, rank_band, "
                       "first_rank, best_rank, first_seen, last_seen) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [front, source, placement.url, placement.link_text, placement.section, band,
                        placement.rank, placement.rank, when, when])
            counts["opened"] += 1
        for run in open_runs.values():  # not on the front any more
            _close(db, run["id"], when)
            counts["closed"] += 1
    return counts


def _close(db: sqlite_utils.Database, run_id: int, at: str) -> None:
    db.execute("update placements set open = 0, closed_at = ? where id = ?", [at, run_id])


# -- reading ------------------------------------------------------------------------------------
def _filters(since: datetime | None, source: str | None, column: str, alias: str = "") -> tuple[str, list]:
    """' and '-joined conditions on a time column and the source, and their parameters."""
    where = Where().since(f"{alias}{column}", since).equals(f"{alias}source", source)
    return where.condition, where.params


def fronts_summary(db: sqlite_utils.Database, since: datetime | None = None, *,
                   source: str | None = None, limit: int = 10) -> list[dict]:
    """Per front: readings since `since`, the articles that were on it (best rank first, with
    when each entered, when it was last seen, whether it is still there and under how many link
    texts) and the runs of the articles that led it."""
    where, params = _filters(since, source, "captured_at")
    fronts = list(db.query(
        "select front, source, count(*) as readings, min(captured_at) as first_reading, "
        f"max(captured_at) as last_reading from front_readings where {where} group by front order by front",
        params))
    where, params = _filters(since, source, "last_seen", "p.")
    for front in fronts:
        front["articles"] = list(db.query(
            "select p.url, min(p.best_rank) as best_rank, min(p.first_seen) as entered, "
            "max(p.last_seen) as last_seen, max(p.open) as still_there, "
            "count(distinct p.link_text) as link_texts, a.title as headline, a.id as article_id "
            f"from placements p left join articles a on a.url = p.url where p.front = ? and {where} "
            "group by p.url order by best_rank, entered limit ?", [front["front"], *params, limit]))
        front["leaders"] = list(db.query(
            "select p.url, p.link_text, p.first_seen, p.last_seen, a.title as headline from placements p "
            f"left join articles a on a.url = p.url where p.front = ? and p.rank_band = '1' and {where} "
            "order by p.first_seen", [front["front"], *params]))
    return fronts


def headline_tests(db: sqlite_utils.Database, since: datetime | None = None, *,
                   kind: str | None = None, source: str | None = None) -> list[dict]:
    """Headline tests seen on fronts, each a dict with `kind`:

    - `test`: two or more link texts for one article alternating on a front within TEST_WINDOW
      (a likely A/B test), with each variant's first and last sighting;
    - `front-only`: the front shows the article under a text that is not its headline;
    - `decided`: the article's headline changed to a text first seen on a front (a test that
      was decided).
    """
    where, params = _filters(since, source, "last_seen", "p.")
    runs = list(db.query(
        "select p.front, p.url, p.link_text, p.first_seen, p.last_seen, a.id as article_id, a.title "
        f"from placements p left join articles a on a.url = p.url where {where} "
        "order by p.front, p.url, p.first_seen, p.id", params))
    found: list[dict] = []
    by_article: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        by_article.setdefault((run["front"], run["url"]), []).append(run)
    headlines = _headlines(db, {run["article_id"] for run in runs if run["article_id"]})
    for (front, url), seen in by_article.items():
        found += _tests(front, url, seen) + _front_only(front, url, seen, headlines)
    found += _decided(db, runs)
    return [f for f in found if kind is None or f["kind"] == kind]


def _fold(text: str | None) -> str:
    return _FOLD.sub(" ", (text or "").casefold()).strip()


def _variants(seen: list[dict]) -> dict[str, dict]:
    variants: dict[str, dict] = {}
    for run in seen:
        v = variants.setdefault(run["link_text"], {"text": run["link_text"], "first_seen": run["first_seen"],
                                                   "last_seen": run["last_seen"], "runs": 0})
        v["runs"] += 1
        v["first_seen"], v["last_seen"] = min(v["first_seen"], run["first_seen"]), max(v["last_seen"], run["last_seen"])
    return variants


def _tests(front: str, url: str, seen: list[dict]) -> list[dict]:
    """A text that came back: runs A, B, A within TEST_WINDOW (one headline edited for good is
    A, B and stays B)."""
    spans: list[dict] = []  # runs of one text in a row (a rank change splits runs, not texts)
    for run in seen:
        if spans and spans[-1]["link_text"] == run["link_text"]:
            spans[-1] = {**spans[-1], "last_seen": max(spans[-1]["last_seen"], run["last_seen"])}
        else:
            spans.append(run)
    alternating = any(a["link_text"] == c["link_text"] != b["link_text"] and
                      parse_iso(c["first_seen"]) - parse_iso(a["last_seen"]) <= TEST_WINDOW
                      for a, b, c in zip(spans, spans[1:], spans[2:]))
    if not alternating:
        return []
    variants = _variants(seen)
    return [{"kind": "test", "front": front, "url": url, "article_id": seen[0]["article_id"],
             "headline": seen[-1]["title"], "variants": list(variants.values()),
             "first_seen": min(v["first_seen"] for v in variants.values()),
             "last_seen": max(v["last_seen"] for v in variants.values())}]


def _headlines(db: sqlite_utils.Database, article_ids: set[int]) -> dict[int, set[str]]:
    """Every headline each article has had, folded for comparison."""
    out: dict[int, set[str]] = {}
    for article_id, title in in_chunks(db, "select article_id, title from versions where article_id "
                                           "in ({marks})", sorted(article_ids)):
        out.setdefault(article_id, set()).add(_fold(title))
    return out


def _front_only(front: str, url: str, seen: list[dict], headlines: dict[int, set[str]]) -> list[dict]:
    """The front's latest text for the article was never its headline (in any version)."""
    last = seen[-1]
    if not last["title"] or len(last["link_text"].split()) < 3 or \
            _fold(last["link_text"]) in headlines.get(last["article_id"], {_fold(last["title"])}):
        return []
    return [{"kind": "front-only", "front": front, "url": url, "article_id": last["article_id"],
             "headline": last["title"], "link_text": last["link_text"], "first_seen": last["first_seen"],
             "last_seen": last["last_seen"]}]


def _decided(db: sqlite_utils.Database, runs: list[dict]) -> list[dict]:
    """Headline changes whose new headline had been seen on a front before the change."""
    first_on_front: dict[tuple[str, str], tuple[str, str]] = {}
    for run in runs:
        key = (run["url"], _fold(run["link_text"]))
        if key not in first_on_front or run["first_seen"] < first_on_front[key][0]:
            first_on_front[key] = (run["first_seen"], run["front"])
    columns = ("url", "article_id", "version", "captured_at", "previous_title", "title")
    out = []
    for change in (dict(zip(columns, row)) for row in in_chunks(
            db, f"select {', '.join(columns)} from headline_changes where url in ({{marks}}) "
                "order by captured_at", sorted({run["url"] for run in runs}))):
        seen = first_on_front.get((change["url"], _fold(change["title"])))
        if seen and seen[0] <= change["captured_at"]:
            out.append({"kind": "decided", "front": seen[1], "url": change["url"],
                        "article_id": change["article_id"], "headline": change["title"],
                        "previous_headline": change["previous_title"], "version": change["version"],
                        "first_seen": seen[0], "last_seen": change["captured_at"]})
    return out
