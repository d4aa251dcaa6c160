"""The counts a crawl reports, as its progress and summary lines show them (Scrapy-free)."""
from __future__ import annotations

COUNTS = ("fetched", "new", "changed", "unchanged", "failed")


def format_counts(numbers: dict[str, int]) -> str:
    """`fetched 40 · new 30 · changed 2 · unchanged 8 · failed 0`"""
    return " · ".join(f"{k} {numbers.get(k, 0)}" for k in COUNTS)


def label(mode: str, shard: int = 0, shards: int = 1) -> str:
    """`recheck`, or `recheck 2/4` for the second of four worker processes."""
    return mode if shards == 1 else f"{mode} {shard + 1}/{shards}"


def closed_status(reason: str, max_crawl_time: float | None = None) -> str:
    """A crawl row's status for the reason Scrapy closed the spider: `finished`, or `stopped
    (shutdown)`, `stopped (max_crawl_time 6h reached)` (Scrapy's CLOSESPIDER_TIMEOUT), …"""
    if reason == "finished":
        return reason
    if reason == "closespider_timeout" and max_crawl_time:
        reason = time_limit_reason(max_crawl_time)
    return f"stopped ({reason})"


def time_limit_reason(seconds: float) -> str:
    from crawler.sources import format_duration

    return f"max_crawl_time {format_duration(max(1, round(seconds)))} reached"


def cap_notes(stats: dict) -> list[str]:
    """One line per source whose discovery found more new articles than its cap (the spider's
    `newswatch/over_cap/<source>` stats: (URLs left over, cap))."""
    prefix = "newswatch/over_cap/"
    capped = sorted((key[len(prefix):], value) for key, value in stats.items()
                    if key.startswith(prefix))
    return [f"{name}: {over} more new article links than max_new_per_discovery ({cap}) left for "
            "the next discovery" for name, (over, cap) in capped]


EVERY_DISCOVERY_FAILED = "failed (every discovery URL failed)"
SHOWN_FAILURES = 5  # article failures a crawl's summary names; `newswatch errors` lists them all


def crawl_status(reason: str, stats: dict, mode: str, max_crawl_time: float | None = None) -> str:
    """closed_status, except that a discovery whose every feed, sitemap and section page failed
    (and that found no article link) has failed: nothing was read."""
    status = closed_status(reason, max_crawl_time)
    requests = stats.get("newswatch/discovery_requests", 0)
    if status == "finished" and mode == "discover" and requests and \
            stats.get("newswatch/discovery_failed", 0) >= requests and not stats.get("newswatch/discovered"):
        return EVERY_DISCOVERY_FAILED
    return status


def note_failure(stats, url: str, error: str) -> None:
    """Keep the first few article failures of a crawl for its summary."""
    shown = stats.get_value("newswatch/failures") or []
    if len(shown) < SHOWN_FAILURES:
        stats.set_value("newswatch/failures", shown + [f"{url}: {error}"])
