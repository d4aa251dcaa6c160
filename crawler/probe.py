"""Re-checks by conditional request without a Scrapy request cycle each (issues 4 and 8).

A re-check sends the article's validators (If-None-Match / If-Modified-Since), and a monitor's
answer is nearly always 304 Not Modified: a few hundred bytes with nothing to parse. Scrapy
spends about 1.5 ms of CPU on every request whatever the answer (scheduler, middlewares,
Twisted's HTTP client, callback, item pipeline); aiohttp, on the asyncio loop Scrapy already
runs on, about 0.2 ms. So the spider's re-check first probes the articles that have validators:

- 304: the check is recorded as `not_modified` at once (its item goes through the pipelines);
- any other answer becomes that request's response in Scrapy (`UseProbedResponse`), so
  decompression, meta refresh, redirects, retries, stats, the callback, cleaning and storing
  run as for any download, and nothing is downloaded twice. Answers that make Scrapy fetch
  again (a redirect, a status Scrapy retries) are handed over once the probe is done;
- no answer (a network error, robots.txt says no, a body over DOWNLOAD_MAXSIZE): Scrapy
  fetches it itself once the probe is done, and records what it sees.

Politeness is Scrapy's: robots.txt through Scrapy's own RobotsTxtMiddleware (one fetch and one
parser per host for both), the source's domains (StayOnSource), the same User-Agent and default
headers, at most CONCURRENT_REQUESTS_PER_DOMAIN requests in flight per host and
CONCURRENT_REQUESTS in all, DOWNLOAD_DELAY between two request starts to one host. A host that
answers 429 or 5xx, or fails at the network level, is not probed again: its articles wait for
Scrapy, its retries and AutoThrottle. Scrapy fetches nothing for the re-check while the probe runs (the
requests left to it are handed over once the probe is done), so the two never add up.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
import scrapy
from scrapy.downloadermiddlewares.httpcompression import ACCEPTED_ENCODINGS
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.stats import get_header_size, get_status_size
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import ensure_awaitable

from crawler.middlewares import StayOnSource

CATCH_UP = 0.002  # seconds of request starts a late timer may catch up on (see _wait_turn)
PROBED = "newswatch_probed"  # meta key: the probe's answer, used instead of a download
# Sent once the probe has handed over its last answer (the store need not wait for more).
probe_finished = object()


@dataclass
class _Host:
    limit: asyncio.Semaphore
    proxy: str | None = None
    next_start: float = 0.0
    off: bool = False  # failed or asked to slow down: not probed any more
    pacing: asyncio.Lock = field(default_factory=asyncio.Lock)


class ConditionalProbe:
    """Probes re-check requests; see the module docstring. Use as `async with`."""

    def __init__(self, crawler):
        self.crawler, self.stats = crawler, crawler.stats
        settings = crawler.settings
        self.per_host = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.total = max(1, settings.getint("CONCURRENT_REQUESTS"))
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT") or None
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.headers = {k: v for k, v in settings.getdict("DEFAULT_REQUEST_HEADERS").items()}
        self.headers["User-Agent"] = settings.get("USER_AGENT")
        self.headers["Accept-Encoding"] = b", ".join(ACCEPTED_ENCODINGS).decode()
        middlewares = crawler.engine.downloader.middleware.middlewares
        self.checks = [m for m in middlewares if isinstance(m, (StayOnSource, RobotsTxtMiddleware))]
        self.hosts: dict[str, _Host] = {}
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "ConditionalProbe":
        # Scrapy's choices: no certificate verification, no cookies, proxies from the environment
        # (looked up once per host: aiohttp's trust_env reads them, and ~/.netrc, per request).
        connector = aiohttp.TCPConnector(limit=self.total, limit_per_host=self.per_host, ssl=False)
        self.session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    @staticmethod
    def wanted(request: scrapy.Request) -> bool:
        """Only requests with validators: without them every answer is a full page anyway."""
        return b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers

    async def run(self, requests: Iterable[scrapy.Request]
                  ) -> AsyncIterator[tuple[scrapy.Request, Response | None]]:
        """(request, answer) for every request, answers in completion order; None: Scrapy's."""
        window = 2 * self.total  # answers in flight or waiting: memory stays bounded
        answers: asyncio.Queue = asyncio.Queue()
        tasks: set[asyncio.Task] = set()  # held: the event loop keeps only weak references
        waiting = 0  # answers not handed out yet
        for request in requests:
            if waiting >= window:
                yield await answers.get()
                waiting -= 1
            task = asyncio.ensure_future(self._answer(request, answers))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            waiting += 1
        for _ in range(waiting):
            yield await answers.get()

    async def _answer(self, request: scrapy.Request, answers: asyncio.Queue) -> None:
        try:
            answer = await self._probe(request)
        except Exception:  # whatever went wrong, Scrapy fetches it and records what it sees
            answer = None
        answers.put_nowait((request, answer))

    async def _probe(self, request: scrapy.Request) -> Response | None:
        parts = urlsplit(request.url)
        host = self.hosts.get(parts.netloc)
        if host is None:
            host = self.hosts[parts.netloc] = _Host(asyncio.Semaphore(self.per_host),
                                                    _proxy_for(parts.scheme, parts.hostname or ""))
        if host.off or not await self._allowed(request):
            return None
        async with host.limit:
            await self._wait_turn(host)
            if host.off:
                return None
            request.meta["newswatch_started"] = started = time.monotonic()
            self.stats.inc_value("newswatch/probed")
            try:
                response = await self._get(request, host.proxy)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
                host.off = True
                return None
        request.meta["download_latency"] = time.monotonic() - started
        if response is None:
            return None
        if response.status == 429 or response.status >= 500:  # "slow down" or trouble
            host.off = True
        self._count(response)
        return response

    async def _allowed(self, request: scrapy.Request) -> bool:
        """The source's domains and robots.txt, asked of Scrapy's own middlewares."""
        try:
            for check in self.checks:
                await ensure_awaitable(check.process_request(request))
        except IgnoreRequest:
            return False
        return True

    async def _wait_turn(self, host: _Host) -> None:
        """Request starts to one host DOWNLOAD_DELAY apart on average. The event loop's timers
        wake up to a millisecond late, which at a sub-millisecond delay would cut the rate
        several times over; so the starts keep to a schedule, and after a late wake-up the
        requests already due go at once (at most CATCH_UP seconds' worth: a bounded burst)."""
        if not self.delay:
            return
        async with host.pacing:
            now = time.monotonic()
            start = max(host.next_start, now - CATCH_UP)
            if start > now:
                await asyncio.sleep(start - now)
            host.next_start = start + self.delay

    async def _get(self, request: scrapy.Request, proxy: str | None) -> Response | None:
        headers = dict(self.headers)
        headers.update((k.decode(), b", ".join(v).decode("latin-1"))
                       for k, v in request.headers.items())
        async with self.session.get(request.url, headers=headers, allow_redirects=False,
                                    proxy=proxy) as answer:
            if answer.content_length is not None and answer.content_length > self.maxsize > 0:
                return None
            body = b""
            if answer.status != 304:
                chunks, size = [], 0
                async for chunk in answer.content.iter_any():
                    size += len(chunk)
                    if self.maxsize and size > self.maxsize:
                        return None
                    chunks.append(chunk)
                body = b"".join(chunks)
            raw_headers = answer.raw_headers
        if not body:  # Response makes its Headers from the pairs (one copy, not three)
            return Response(request.url, status=answer.status, headers=raw_headers, request=request)
        headers = Headers(raw_headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(request.url, status=answer.status, headers=headers, body=body, request=request)

    def _count(self, response: Response) -> None:
        """Scrapy's downloader statistics, as if Scrapy had fetched it (bench/conditional.py
        sums downloader/response_bytes). An answer handed over is counted by Scrapy itself."""
        self.stats.inc_value("downloader/request_count")
        if response.status != 304:
            return
        self.stats.inc_value("downloader/response_count")
        self.stats.inc_value("downloader/response_status_count/304")
        self.stats.inc_value("downloader/response_bytes", get_header_size(response.headers)
                             + get_status_size(response.status) + 4)


def _proxy_for(scheme: str, hostname: str) -> str | None:
    """The proxy the environment (http_proxy, https_proxy, no_proxy) names for a host."""
    if proxy_bypass(hostname):
        return None
    return getproxies().get(scheme)


class UseProbedResponse:
    """Downloader middleware: a request the probe already has the answer to is not downloaded
    again; the answer goes on through the other middlewares' process_response as a download."""

    def process_request(self, request: scrapy.Request, spider=None):
        response = request.meta.pop(PROBED, None)  # popped: a redirect copy must download
        return response if response is not None and response.url == request.url else None
