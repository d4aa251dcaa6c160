"""AutoThrottle that counts a 304 Not Modified as a healthy answer, and a browser's render as no answer."""
from __future__ import annotations

from types import SimpleNamespace

from scrapy.extensions.throttle import AutoThrottle

# What AutoThrottle._adjust_delay reads of a response is its status: a stand-in is enough, and
# unlike Response.replace it costs nothing on a re-check made of thousands of 304s.
_HEALTHY = SimpleNamespace(status=200)


class ConditionalAwareAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle only lowers its delay after a 200, so a re-check made of 304s
    (the normal case for a monitor) would crawl at its start delay forever. A 304 is the
    server saying "fine, nothing new" at least as clearly as a 200."""

    def _adjust_delay(self, slot, latency: float, response) -> None:
        if "playwright" in response.flags:
            # A render's latency is the browser's work (scripts, layout, a screenshot) on a
            # document it already had: it says nothing of the server's load (crawler/render.py).
            return
        super()._adjust_delay(slot, latency, _HEALTHY if response.status == 304 else response)
