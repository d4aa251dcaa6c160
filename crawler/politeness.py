"""The one politeness model of every HTTP path (Scrapy, and the re-check probe before it loads):
who we say we are, what robots.txt allows, how many requests per host at once and how far apart.

Scrapy-free, so that the probe's process never loads Scrapy: Scrapy takes `Politeness.scrapy_settings`
and reads robots.txt through `RobotsRules` (ROBOTSTXT_PARSER in crawler/settings.py); the probe
(crawler/recheck/probe.py) takes the same `Politeness` and the same `RobotsRules`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from protego import Protego

from crawler.defaults import CONCURRENT_REQUESTS, DOWNLOAD_MAXSIZE
from crawler.recheck.sharding import shard_by_domain


@dataclass(frozen=True)
class Politeness:
    """What one crawl process may ask of the hosts it crawls."""

    user_agent: str
    per_host: int  # requests in flight to one host (Scrapy: one download slot)
    delay: float = 0.0  # seconds between two request starts to one host
    timeout: float | None = 30.0  # seconds for one answer; None: no limit
    total: int = CONCURRENT_REQUESTS  # requests in flight in all
    maxsize: int = DOWNLOAD_MAXSIZE  # bytes of one answer, decompressed; 0: no cap

    def scrapy_settings(self) -> dict:
        """The same limits as Scrapy settings (AutoThrottle never goes below DOWNLOAD_DELAY)."""
        return {"USER_AGENT": self.user_agent,
                "DOWNLOAD_TIMEOUT": self.timeout or 0,
                "CONCURRENT_REQUESTS_PER_DOMAIN": self.per_host,
                "DOWNLOAD_DELAY": self.delay,
                "AUTOTHROTTLE_START_DELAY": max(self.delay, 0.25),
                # AutoThrottle aims at the concurrency allowed (the README: "aims at no more");
                # aiming lower throttled a CPU-bound crawl: a busy reactor inflates the latencies
                # it sees.
                "AUTOTHROTTLE_TARGET_CONCURRENCY": float(self.per_host)}


def politeness_for(config, source_names: Sequence[str] = (), shards: int = 1,
                   max_crawls: int | None = None) -> Politeness:
    """The sources file's limits for one crawl process of the `source_names` sources (all: none).

    Scrapy has no global rate: DOWNLOAD_DELAY spaces the requests of one domain (one download
    slot). So the ceiling of `requests_per_second` for all crawls together becomes a delay of
    max_crawls × domains / requests_per_second per domain. A crawl split over `shards` worker
    processes shards by domain when there are several (each domain's requests stay in one
    process: the limits hold as they are); a single domain's URLs are spread over every process,
    so each gets 1/shards of its concurrency and rate, and all of them together stay within the
    limits.
    """
    selected = [config.source(n) for n in source_names] or list(config.sources)
    domains = {d for s in selected for d in s.allowed_domains} or {"?"}
    # `newswatch run --max-crawls N` runs up to N crawls at once: each child is told N.
    crawls = max_crawls or config.max_crawls
    split = shards if shards > 1 and not shard_by_domain(domains) else 1
    return Politeness(user_agent=config.user_agent,
                      per_host=max(1, config.concurrent_per_domain // split),
                      delay=crawls * len(domains) * split / config.requests_per_second,
                      timeout=config.download_timeout or None)


class RobotsRules:
    """A robots.txt, read with Protego as Scrapy's default parser reads it (UTF-8, a BOM and
    undecodable bytes dropped). No body (none could be fetched, or it was over the size cap)
    allows everything, as in Scrapy. Also Scrapy's ROBOTSTXT_PARSER (its RobotParser interface)."""

    def __init__(self, body: bytes | None):
        self.rules = Protego.parse(body.decode("utf-8-sig", errors="ignore")) if body else None

    @classmethod
    def from_crawler(cls, crawler, robotstxt_body: bytes) -> RobotsRules:
        return cls(robotstxt_body)

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        """Whether `user_agent` may fetch `url`."""
        if self.rules is None:
            return True
        return self.rules.can_fetch(_text(url), _text(user_agent))

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        delay = self.rules.crawl_delay(_text(user_agent)) if self.rules is not None else None
        return None if delay is None else float(delay)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def retry_after(value: str | None) -> float | None:
    """Seconds a server asks us to wait in a Retry-After header (RFC 9110 section 10.2.3): a
    number of seconds or an HTTP date; None when there is none or it cannot be read."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None
