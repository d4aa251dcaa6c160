"""A re-check's conditional requests (RFC 9110 §13.1), as the probe and Scrapy both send them, and
what the probe hands over to Scrapy. Scrapy-free and aiohttp-free: the spider imports it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.recheck.probe import Answer


def validators(row: dict) -> dict[str, str]:
    """A known article is asked for conditionally (RFC 9110 §13.1): a 304 costs a few hundred bytes."""
    headers = {}
    if row.get("etag"):
        headers["If-None-Match"] = row["etag"]
    if row.get("last_modified"):
        headers["If-Modified-Since"] = row["last_modified"]
    return headers


@dataclass
class HandedOver:
    """An article for Scrapy: its row and source, and the probe's answer if there is one."""

    row: dict
    source: str
    answer: Answer | None = None
    attempts: int = 0  # failed requests the probe made for it: Scrapy retries only the rest
