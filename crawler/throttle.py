"""AutoThrottle that counts a 304 Not Modified as a healthy answer."""
from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class ConditionalAwareAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle only lowers its delay after a 200, so a re-check made of 304s
    (the normal case for a monitor) would crawl at its start delay forever. A 304 is the
    server saying "fine, nothing new" at least as clearly as a 200."""

    def _adjust_delay(self, slot, latency: float, response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
