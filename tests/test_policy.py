"""The adaptive re-check policy and backlog control, on an injected clock (no sleeps)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from scheduler import health
from crawler.recheck.policy import (BACKOFF_FACTOR, CHANGE_FACTOR, JITTER, check_interval, domain_of,
                            jitter_fraction, next_check_at, overdue_priority, schedule_for,
                            select_due)
from crawler.politeness import politeness_for
from crawler.sources import DEFAULT_TIERS, SourceConfigError, Tier, load_config
from db import operations, queries
from db.schema import iso, open_db
from db.store import Content, Fetch, hint_recheck, record_fetch
from scheduler.events import EventLog
from scheduler.jobs import first_runs

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
HOUR, DAY = 3600, 86400


@pytest.fixture
def clock():
    """An injected clock: tests move it, nothing sleeps."""
    class Clock:
        now = T0

        def advance(self, seconds: float) -> datetime:
            self.now += timedelta(seconds=seconds)
            return self.now
    return Clock()


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "policy.db")
    yield database
    database.close()


@pytest.fixture
def make_article(db):
    """Factory: a tracked article first seen (and published) at `at`, with one version."""
    def make(url: str, at: datetime, *, source: str = "s", body: str = "Body text.",
             published: datetime | None = None) -> dict:
        content = Content(title=f"Title {url}", byline="", body=body, published=iso(published or at))
        record_fetch(db, Fetch(url, source, at), content, schedule_for(DEFAULT_TIERS))
        return queries.article_by_url(db, url)
    return make


def interval(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else (moment - now).total_seconds()


# -- the policy ------------------------------------------------------------------------------------
@pytest.mark.parametrize("age,every", [(0, 15 * 60), (2 * HOUR, 15 * 60), (5 * HOUR, HOUR),
                                       (2 * DAY, 6 * HOUR), (10 * DAY, DAY)])
def test_age_tiers_set_the_interval_within_jitter(age, every):
    now = T0 + timedelta(seconds=age)
    seconds = interval(next_check_at(T0, now, False, DEFAULT_TIERS, key="u"), now)
    assert every * (1 - JITTER) <= seconds <= every * (1 + JITTER)
    assert check_interval(age, DEFAULT_TIERS) == every


def test_past_the_last_tier_checks_stop_unless_an_edit():
    assert next_check_at(T0, T0 + timedelta(days=31), False, DEFAULT_TIERS) is None
    assert check_interval(31 * DAY, DEFAULT_TIERS, changed=True) == DAY * CHANGE_FACTOR


def test_an_edit_brings_the_next_check_forward():
    for age in (HOUR, 5 * HOUR, 2 * DAY, 10 * DAY):
        plain, edited = check_interval(age, DEFAULT_TIERS), check_interval(age, DEFAULT_TIERS,
                                                                            changed=True)
        assert edited == plain * CHANGE_FACTOR < plain


def test_unchanged_checks_back_off_up_to_the_next_tier():
    steps = [check_interval(HOUR, DEFAULT_TIERS, unchanged=n) for n in range(1, 8)]
    assert steps[0] == 15 * 60 and steps[1] == 15 * 60 * BACKOFF_FACTOR
    assert steps == sorted(steps) and steps[-1] == HOUR  # bounded by the 1-hour tier after it
    # the last tier has no tier after it: its own interval is the bound
    assert check_interval(10 * DAY, DEFAULT_TIERS, unchanged=9) == DAY
    # short test tiers keep their own interval as the floor
    assert check_interval(5, (Tier(3650 * DAY, 1),), changed=True) == 1


def test_jitter_is_bounded_deterministic_and_spreads():
    fractions = [jitter_fraction(f"https://a.example/{i}", T0) for i in range(2000)]
    assert all(-JITTER <= f <= JITTER for f in fractions)
    assert min(fractions) < -0.09 and max(fractions) > 0.09  # it does spread
    assert jitter_fraction("https://a.example/1", T0) == fractions[1]  # same key+time, same jitter
    assert jitter_fraction("https://a.example/1", T0 + timedelta(seconds=1)) != fractions[1]


def test_store_keeps_the_unchanged_streak_and_the_schedule(db, make_article, clock):
    article = make_article("https://a.example/news/1", clock.now)
    assert article["unchanged_checks"] == 0
    content = Content(title="Title https://a.example/news/1", byline="", body="Body text.")
    gaps = []
    for _ in range(4):
        at = clock.advance(10 * 60)
        record_fetch(db, Fetch(article["url"], "s", at), content, schedule_for(DEFAULT_TIERS))
        row = queries.article_by_url(db, article["url"])
        gaps.append(interval(datetime.fromisoformat(row["next_check_at"]), at))
    assert row["unchanged_checks"] == 4
    assert gaps[-1] > gaps[0] * 2  # backed off (1.5^3 = 3.4 with ±10% jitter)
    at = clock.advance(60)
    edited = Content(title=content.title, byline="", body="Body text. Update: more.")
    assert record_fetch(db, Fetch(article["url"], "s", at), edited,
                        schedule_for(DEFAULT_TIERS)).outcome == "changed"
    row = queries.article_by_url(db, article["url"])
    assert row["unchanged_checks"] == 0
    assert interval(datetime.fromisoformat(row["next_check_at"]), at) <= 15 * 60 * CHANGE_FACTOR * 1.1


def test_a_hint_brings_a_check_forward_and_revives_an_old_article(db, make_article, clock):
    old = make_article("https://a.example/news/old", clock.now,
                       published=clock.now - timedelta(days=40))
    young = make_article("https://a.example/news/young", clock.now)
    assert old["next_check_at"] is None  # past the last tier: no more checks
    assert hint_recheck(db, old["url"], clock.now) is True
    assert hint_recheck(db, young["url"], clock.now) is True
    assert hint_recheck(db, young["url"], clock.now) is False  # already due
    assert hint_recheck(db, "https://a.example/unknown", clock.now) is False
    stale = make_article("https://a.example/news/stale", clock.now)
    assert hint_recheck(db, stale["url"], clock.now, clock.now - timedelta(hours=1)) is False
    due = {r["url"] for r in queries.due_articles(db, clock.now)}
    assert due == {old["url"], young["url"]}


# -- backlog control ---------------------------------------------------------------------------
def row(id_: int, url: str, due_ago: float, every: float, now: datetime = T0) -> dict:
    due = now - timedelta(seconds=due_ago)
    return {"id": id_, "url": url, "next_check_at": iso(due),
            "last_checked": iso(due - timedelta(seconds=every))}


def test_most_overdue_relative_to_its_interval_goes_first():
    rows = [row(1, "https://a.example/daily", 2 * HOUR, DAY),      # 0.08 intervals late
            row(2, "https://a.example/young", 30 * 60, 15 * 60),   # 2.0
            row(3, "https://a.example/hourly", 90 * 60, HOUR)]     # 1.5
    assert [r["id"] for r in select_due(rows, T0, max_total=10, max_per_domain=10)] == [2, 3, 1]
    assert [r["id"] for r in select_due(rows, T0, max_total=2, max_per_domain=10)] == [2, 3]
    assert overdue_priority(rows[1], T0) == pytest.approx(2.0)


def test_per_domain_cap_keeps_a_big_site_from_starving_the_others():
    big = [row(i, f"https://www.big.example/{i}", 10 * HOUR, HOUR) for i in range(1000)]
    small = [row(5000 + i, f"https://small{i % 3}.example/{i}", 60, HOUR) for i in range(30)]
    taken = select_due(big + small, T0, max_total=120, max_per_domain=50)
    by_domain = {}
    for r in taken:
        by_domain[domain_of(r["url"])] = by_domain.get(domain_of(r["url"]), 0) + 1
    assert by_domain["big.example"] == 50 and len(taken) == 80
    assert all(by_domain[f"small{i}.example"] == 10 for i in range(3))  # every small one whole
    assert len({r["url"] for r in taken}) == len(taken)


def test_backlog_after_a_week_of_downtime_drains_gradually(db, make_article, clock):
    """300 articles on three sites, a week with the daemon off, then re-check runs every 5
    minutes at small caps: each run respects the caps, every site gets its share from the
    first run, the backlog is gone within the runs the caps allow, and no run re-checks an
    article twice."""
    start = clock.now
    for i in range(300):
        host = "big.example" if i < 200 else f"small{i % 2}.example"
        make_article(f"https://{host}/news/{i}", start - timedelta(hours=i % 48))
    clock.advance(7 * DAY)
    schedule = schedule_for(DEFAULT_TIERS)
    cap_total, cap_domain = 40, 25
    backlog = operations.due_count(db, clock.now)
    big = sum(1 for r in queries.due_articles(db, clock.now) if "big" in r["url"])
    assert backlog >= 290  # everything that was still in a tier is overdue
    sizes, first = [], None
    for _ in range(30):
        due = queries.due_articles(db, clock.now)
        taken = select_due(due, clock.now, max_total=cap_total, max_per_domain=cap_domain)
        first = first or taken
        assert len(taken) <= cap_total and len(taken) == len({r["id"] for r in taken})
        assert max(list(_count_domains(taken).values()) or [0]) <= cap_domain
        for r in taken:
            content = Content(title=f"Title {r['url']}", byline="", body="Body text.")
            record_fetch(db, Fetch(r["url"], "s", clock.now), content, schedule)
        sizes.append(len(taken))
        clock.advance(5 * 60)
    assert set(_count_domains(first)) == {"big.example", "small0.example", "small1.example"}
    # The big site drains at its cap of 25 per run, the small ones share the rest of the 40.
    runs = max(-(-backlog // cap_total), -(-big // cap_domain))
    assert sizes[:runs - 2] == [cap_total] * (runs - 2)  # full runs while several sites wait
    assert sum(sizes[:runs]) == backlog and not any(sizes[runs:])  # drained in `runs`, no replay
    checked = db.execute("select count(*), count(distinct article_id) from checks where checked_at"
                         " >= ?", [iso(start + timedelta(days=7))]).fetchone()
    assert checked == (backlog, backlog)  # each overdue article checked once


def _count_domains(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[domain_of(r["url"])] = counts.get(domain_of(r["url"]), 0) + 1
    return counts


# -- durable schedule, settings, health, log ---------------------------------------------------
def test_start_coalesces_missed_discoveries(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[[source]]\nname = "a"\nfeeds = ["https://a.example/f"]\ndiscover_every = "30m"\n'
                    '[[source]]\nname = "b"\nfeeds = ["https://b.example/f"]\ndiscover_every = "30m"\n'
                    '[[source]]\nname = "c"\nfeeds = ["https://c.example/f"]\n')
    config = load_config(path)
    runs = first_runs(config, {"a": T0 - timedelta(days=7), "b": T0 - timedelta(minutes=10)}, T0)
    assert runs == {"a": T0, "b": T0 + timedelta(minutes=20), "c": T0}  # a: once now, not 336 times


def test_limit_settings_are_validated_and_mapped_onto_scrapy(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[settings]\nmax_crawls = 3\nconcurrent_per_domain = 2\nrequests_per_second = 6\n'
                    'max_checks_per_run = 100\nmax_checks_per_domain = 10\n'
                    '[[source]]\nname = "a"\nfeeds = ["https://a.example/f", "https://b.example/f"]\n')
    config = load_config(path)
    assert (config.max_crawls, config.max_checks_per_run, config.max_checks_per_domain) == (3, 100, 10)
    scrapy = politeness_for(config).scrapy_settings()
    assert scrapy["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert scrapy["DOWNLOAD_DELAY"] == pytest.approx(3 * 2 / 6)  # 3 crawls × 2 domains / 6 per s
    path.write_text('[settings]\nrecheck_every = "5m"\nmax_checks_per_domain = 0\n')
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path} line 3: [settings] key 'max_checks_per_domain': 0 is")
    path.write_text('[settings]\nmax_checks = 5\n')
    with pytest.raises(SourceConfigError, match="line 2: .*'max_checks': unknown key"):
        load_config(path)


def numbers(checks=0, failed=0, changed=0, versions=0, median_body=None) -> dict:
    return {"checks": checks, "failed": failed, "changed": changed, "versions": versions,
            "median_body": median_body}


def test_extraction_health_tells_markup_changes_from_edits():
    history = numbers(checks=500, failed=5, changed=20, versions=40, median_body=4000)
    edits = numbers(checks=50, failed=1, changed=4, versions=6, median_body=4100)
    assert health.extraction_warning(edits, history) is None
    empty = numbers(checks=50, failed=30, changed=0, versions=0)
    assert "found no article" in health.extraction_warning(empty, history)
    shrunk = numbers(checks=50, failed=0, changed=10, versions=10, median_body=600)
    assert "median body of 600" in health.extraction_warning(shrunk, history)
    everything = numbers(checks=50, failed=0, changed=45, versions=45, median_body=3900)
    assert "change at once" in health.extraction_warning(everything, history)
    assert health.extraction_warning(numbers(checks=2, failed=2), history) is None  # too few


def test_extraction_numbers_read_a_sources_history(db, make_article, clock):
    for i in range(6):
        make_article(f"https://a.example/news/{i}", clock.now - timedelta(days=3), body="x" * 1000)
    for i in range(6, 12):
        make_article(f"https://a.example/news/{i}", clock.now, body="short")
    (rf, rt), (hf, ht) = health.windows(clock.now)
    recent, history = (operations.extraction_numbers(db, "s", rf, rt),
                       operations.extraction_numbers(db, "s", hf, ht))
    assert (recent["versions"], history["versions"]) == (6, 6)
    assert recent["median_body"] == 5 and history["median_body"] == 1000
    assert "median body" in health.extraction_warning(recent, history)


def test_event_log_one_event_per_line(clock):
    lines = []
    EventLog("json", lines.append, clock=lambda: clock.now).event("crawl_finished", job="recheck",
                                                                   fetched=3)
    EventLog("text", lines.append, clock=lambda: clock.now).event("x", "warning", why="a b\nc")
    assert json.loads(lines[0]) == {"ts": iso(T0), "level": "info", "event": "crawl_finished",
                                    "job": "recheck", "fetched": 3}
    assert lines[1] == f'{iso(T0)} warning x why="a b c"'


def test_degraded_extraction_is_logged_once_and_shown_by_status(tmp_path, db, make_article):
    from scheduler.jobs import Daemon
    from scheduler.status import status_report

    now = datetime.now(timezone.utc)  # the daemon and status read the real clock
    for i in range(6):
        make_article(f"https://a.example/news/{i}", now - timedelta(days=3), body="x" * 1000)
    for i in range(6, 12):
        make_article(f"https://a.example/news/{i}", now - timedelta(minutes=5), body="short")
    sources = tmp_path / "s.toml"
    sources.write_text('[[source]]\nname = "s"\nfeeds = ["https://a.example/feed"]\n')
    lines: list[str] = []
    daemon = Daemon(tmp_path / "policy.db", sources, load_config(sources), echo=lines.append,
                    log_format="json")
    daemon._check_extraction(["s"])
    daemon._check_extraction(["s"])  # within the hour: not read (nor logged) again
    [event] = [json.loads(line) for line in lines]
    assert event["event"] == "extraction_degraded" and event["source"] == "s"
    assert "median body of 5 characters" in event["why"]
    report = status_report(tmp_path / "policy.db", load_config(sources))
    assert report["warnings"] == [f"s: {event['why']}"]
    assert report["daemon"] == {"running": False, "pid": None}
    [row] = report["sources"]
    assert row["tracked"] == 12 and row["checks_24h"] == 6 and row["error_rate"] == 0


def test_library_warnings_join_the_event_stream(clock):
    import logging

    from scheduler.events import EventHandler

    lines: list[str] = []
    logger = logging.getLogger("apscheduler.test")
    handler = EventHandler(EventLog("json", lines.append, clock=lambda: clock.now))
    logger.addHandler(handler)
    try:
        logger.warning("Execution of job %r skipped: maximum number of running instances reached",
                       "recheck")
        logger.info("not shown: below WARNING")
    finally:
        logger.removeHandler(handler)
    [event] = [json.loads(line) for line in lines]
    assert event["level"] == "warning" and event["event"] == "library_log"
    assert "'recheck' skipped" in event["message"]
