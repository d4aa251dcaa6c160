"""Conditional requests for a re-check, before Scrapy loads. Scrapy-free.

A re-check sends each article's validators (If-None-Match / If-Modified-Since), and a monitor's
answer is nearly always 304 Not Modified: a few hundred bytes with nothing to parse. A Scrapy
request costs ~1.5 ms of CPU whatever the answer, and loading Scrapy, Twisted and OpenSSL costs
each crawl process ~0.4 s before its first request. So a re-check's worker process first asks
with aiohttp on a plain asyncio loop (crawler/recheck/precheck.py writes the 304s at once), and loads
Scrapy only when some article needs more than a 304:

- 304: the answer (status and headers) is the check;
- any other answer is kept, body included, and handed to Scrapy as that request's download
  (crawler.middlewares.UseProbedResponse): decompression, redirects, retries, stats, the
  callback, cleaning and storing run as for any download, and nothing is downloaded twice;
- no answer (a network error, robots.txt says no, off the source's domains, a body over
  DOWNLOAD_MAXSIZE, or the probe stopped holding answers): Scrapy fetches it itself and
  records what it sees.

Politeness is the crawl's, from crawler/politeness.py as Scrapy's is: its robots.txt rules
(`RobotsRules`, one fetch per host; a robots.txt that cannot be fetched allows everything, as
in Scrapy), the source's domains, the User-Agent and headers Scrapy sends, at most `per_host`
requests in flight per host and `total` in all, `delay` seconds between two request starts to
one host. A host that
answers 429 or 5xx, or fails at the network level, is not asked again: its articles wait for
Scrapy, its retries and AutoThrottle. The probe is over before Scrapy fetches anything, so the
two never add up.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp

from crawler.defaults import DEFAULT_REQUEST_HEADERS
from crawler.politeness import Politeness, RobotsRules

# Encodings Scrapy's HttpCompressionMiddleware always decodes (a handed-over body goes there).
ACCEPT_ENCODING = "gzip, deflate"
CATCH_UP = 0.002  # seconds of request starts a late timer may catch up on (see _wait_turn)
# Answers other than 304 are held, bodies included, until Scrapy takes them: past this many
# bytes the probe stops asking and leaves the rest to Scrapy (memory stays bounded).
HOLD_BYTES = 64 * 1024 * 1024


@dataclass
class Ask:
    """One conditional request: the article's URL, its source and validators."""

    url: str
    source: str
    headers: dict[str, str] = field(repr=False)  # the validators and the source's own headers
    row: dict = field(repr=False)  # the article's row, for whoever records the answer
    attempts: int = 0  # requests made for it (a failed one counts against Scrapy's retries)


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]  # as received, in order
    body: bytes
    started: float  # time.monotonic() when the request started
    latency: float  # seconds until the whole answer was in

    def header(self, name: str) -> str | None:
        key = name.lower().encode()
        for k, v in self.headers:
            if k.lower() == key:
                return v.decode("latin-1").strip()
        return None


@dataclass
class _Host:
    limit: asyncio.Semaphore
    proxy: str | None = None
    next_start: float = 0.0
    off: bool = False  # failed or asked to slow down: not asked any more
    pacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots: RobotsRules | None = None  # None: everything allowed
    robots_read: asyncio.Event | None = None


class ConditionalProbe:
    """Use as `async with ConditionalProbe(politeness, allowed) as probe: async for … in probe.run(asks)`.

    `allowed(ask)` says whether the ask's URL may be fetched at all (its source's domains).
    `stats` counts like Scrapy's downloader stats, for the answers the probe keeps (304s)."""

    def __init__(self, limits: Politeness, allowed: Callable[[Ask], bool]):
        self.limits, self.allowed = limits, allowed
        self.headers = dict(DEFAULT_REQUEST_HEADERS, **{"User-Agent": limits.user_agent,
                                                       "Accept-Encoding": ACCEPT_ENCODING})
        self.hosts: dict[str, _Host] = {}
        self.held = 0  # bytes of answers held for Scrapy
        self.stopping = False
        self.stats: dict[str, int] = {}
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "ConditionalProbe":
        # Scrapy's choices: no certificate verification, no cookies, proxies from the environment
        # (looked up once per host: aiohttp's trust_env reads them, and ~/.netrc, per request).
        connector = aiohttp.TCPConnector(limit=self.limits.total, limit_per_host=self.limits.per_host,
                                         ssl=False)
        self.session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self.limits.timeout))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    def stop(self) -> None:
        """Ask nothing more (answers in flight still come)."""
        self.stopping = True

    async def run(self, asks: Iterable[Ask]) -> AsyncIterator[tuple[Ask, Answer | None]]:
        """(ask, answer) for every ask, in completion order; None: no answer, Scrapy's to fetch."""
        window = 2 * self.limits.total  # answers in flight or waiting: memory stays bounded
        answers: asyncio.Queue = asyncio.Queue()
        tasks: set[asyncio.Task] = set()  # held: the event loop keeps only weak references
        waiting = 0  # answers not handed out yet
        for ask in asks:
            if waiting >= window:
                yield await answers.get()
                waiting -= 1
            task = asyncio.ensure_future(self._answer(ask, answers))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            waiting += 1
        for _ in range(waiting):
            yield await answers.get()

    async def _answer(self, ask: Ask, answers: asyncio.Queue) -> None:
        try:
            answer = await self._probe(ask)
        except Exception:  # whatever went wrong, Scrapy fetches it and records what it sees
            answer = None
        answers.put_nowait((ask, answer))

    def _host(self, parts) -> _Host:
        host = self.hosts.get(parts.netloc)
        if host is None:
            host = self.hosts[parts.netloc] = _Host(asyncio.Semaphore(self.limits.per_host),
                                                    _proxy_for(parts.scheme, parts.hostname or ""))
        return host

    async def _probe(self, ask: Ask) -> Answer | None:
        parts = urlsplit(ask.url)
        if self.stopping or parts.scheme not in ("http", "https") or not self.allowed(ask):
            return None
        host = self._host(parts)
        agent = ask.headers.get("User-Agent", self.limits.user_agent)  # the one it sends
        if host.off or not await self._robots_allow(host, parts, ask.url, agent):
            return None
        async with host.limit:
            await self._wait_turn(host)
            if host.off or self.stopping:
                return None
            self._inc("newswatch/probed")
            started = time.monotonic()
            ask.attempts += 1
            try:
                answer = await self._get(ask, host.proxy, started)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
                host.off = True
                return None
        if answer is None:
            return None
        self._inc("downloader/request_count")
        if answer.status == 429 or answer.status >= 500:  # "slow down" or trouble
            host.off = True
        if answer.status == 304:
            self._count(304, "Not Modified", answer.headers, 0)
            return answer
        self.held += len(answer.body)
        if self.held > HOLD_BYTES:
            self.stopping = True
        return answer

    async def _robots_allow(self, host: _Host, parts, url: str, user_agent: str) -> bool:
        if host.robots_read is None:
            host.robots_read = asyncio.Event()
            try:
                host.robots = await self._read_robots(f"{parts.scheme}://{parts.netloc}/robots.txt",
                                                      host.proxy)
            finally:
                host.robots_read.set()
        else:
            await host.robots_read.wait()
        return host.robots is None or host.robots.allowed(url, user_agent)

    async def _read_robots(self, url: str, proxy: str | None) -> RobotsRules:
        """As Scrapy's RobotsTxtMiddleware reads it: whatever body comes back is parsed (an
        error page has no rules); no answer at all allows everything."""
        try:
            async with self.session.get(url, headers=self.headers, proxy=proxy,
                                        auto_decompress=True) as answer:
                # aiohttp decompresses in bounded steps as it is read: past the cap, refused
                body = await answer.content.read(self.limits.maxsize + 1 if self.limits.maxsize else -1)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
            return RobotsRules(None)
        if self.limits.maxsize and len(body) > self.limits.maxsize:
            return RobotsRules(None)  # as Scrapy does with a robots.txt it cannot read: all allowed
        self._inc("downloader/request_count")
        self._count(answer.status, answer.reason or "", answer.raw_headers, len(body))
        return RobotsRules(body)

    async def _wait_turn(self, host: _Host) -> None:
        """Request starts to one host `delay` apart on average. The event loop's timers wake
        up to a millisecond late, which at a sub-millisecond delay would cut the rate several
        times over; so the starts keep to a schedule, and after a late wake-up the requests
        already due go at once (at most CATCH_UP seconds' worth: a bounded burst)."""
        if not self.limits.delay:
            return
        async with host.pacing:
            now = time.monotonic()
            start = max(host.next_start, now - CATCH_UP)
            if start > now:
                await asyncio.sleep(start - now)
            host.next_start = start + self.limits.delay

    async def _get(self, ask: Ask, proxy: str | None, started: float) -> Answer | None:
        maxsize = self.limits.maxsize
        async with self.session.get(ask.url, headers={**self.headers, **ask.headers},
                                    allow_redirects=False, proxy=proxy) as answer:
            if answer.content_length is not None and answer.content_length > maxsize > 0:
                return None
            body = b""
            if answer.status != 304:
                chunks, size = [], 0
                async for chunk in answer.content.iter_any():
                    size += len(chunk)
                    if maxsize and size > maxsize:
                        return None
                    chunks.append(chunk)
                body = b"".join(chunks)
            return Answer(answer.status, list(answer.raw_headers), body, started,
                          time.monotonic() - started)

    def _inc(self, key: str, by: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + by

    def _count(self, status: int, reason: str, headers, body_size: int) -> None:
        """Scrapy's downloader statistics, as if Scrapy had fetched it (status line, headers,
        blank line and body; bench/conditional.py sums downloader/response_bytes), for a 304 and
        a robots.txt. An answer handed over is counted by Scrapy itself."""
        self._inc("downloader/response_count")
        self._inc(f"downloader/response_status_count/{status}")
        self._inc("downloader/response_bytes", len(f"HTTP/1.1 {status} {reason}\r\n")
                  + sum(len(k) + len(v) + 4 for k, v in headers) + 2 + body_size)


def _proxy_for(scheme: str, hostname: str) -> str | None:
    """The proxy the environment (http_proxy, https_proxy, no_proxy) names for a host."""
    if proxy_bypass(hostname):
        return None
    return getproxies().get(scheme)
