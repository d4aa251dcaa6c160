"""The `news` spider: discovery (feeds, sitemaps, section pages) and re-checks of known articles."""
from __future__ import annotations

import gzip
import hashlib
import io
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler import discovery, paths
from crawler.defaults import DOWNLOAD_MAXSIZE
from crawler.items import FetchedPage
from crawler.middlewares import EXCHANGE, PROBED
from crawler.pipelines import stop_for_storage
from crawler.recheck.conditional import HandedOver, validators
from crawler.recheck.due import select
from crawler.recheck.sharding import shard_by_domain, shard_of
from crawler.render import PLAIN, PlainAnswer, Renderer, render_request, screenshot_of
from crawler.sources import Source, load_config
from db.fronts import record_front_reading
from db.queries import known_urls
from db.store import hint_recheck
from db.schema import open_db, storage_problem

# `track`: fetch the given new article URLs (`newswatch add URL`), no discovery.
MODES = ("discover", "recheck", "track")
# Statuses that reach parse_article to be recorded as they are; redirects (301/302/307/308) are
# still followed by Scrapy, and any other status arrives in the errback as an HttpError.
RECORDED_STATUSES = [304, 400, 401, 403, 404, 410, 429, 451, 500, 502, 503, 504]


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, mode: str = "discover", urls: str | None = None,
                 every: str | bool = False, db: str | None = None, sources: str | None = None,
                 shard: str | None = None, handed_over: list[HandedOver] | None = None,
                 notifier=None, **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.source_names = [s for s in (source or "").split(",") if s] or None
        self.mode = mode
        self.only_urls = urls.split() if isinstance(urls, str) else (urls or None)
        self.every = every in (True, "1", "true", "yes")
        self.db_arg, self.sources_arg = db, sources
        self.requested: set[str] = set()
        self.sitemaps_seen: set[str] = set()  # canonical URLs of sitemaps fetched by this crawl
        # Per source: new articles asked for, and the new ones over its cap (left for next time).
        self.taken: dict[str, int] = {}
        self.over_cap: dict[str, set[str]] = {}
        # A re-check's articles its first phase left to Scrapy (crawler/recheck/precheck.py), if it had one.
        self.handed_over = handed_over
        self.notifier = notifier  # and its notifier, already retrying what was pending
        # "K/N" = this worker process fetches the K-th of N shares of the articles.
        index, _, count = (shard or "0/1").partition("/")
        self.shard, self.shards = int(index), int(count)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = load_config(paths.sources_path(crawler.settings, spider.sources_arg))
        spider.selected = [spider.config.source(n) for n in spider.source_names] \
            if spider.source_names else list(spider.config.sources)
        spider.db_file = paths.db_path(crawler.settings, spider.db_arg)
        spider.db = open_db(spider.db_file)
        spider.by_domain = shard_by_domain(d for s in spider.selected for d in s.allowed_domains)
        spider.renderer = Renderer(spider.config, spider.db, spider.logger.warning)
        return spider

    def mine(self, url: str) -> bool:
        """Whether this worker process fetches `url` (always, when the crawl is not sharded)."""
        return self.shards == 1 or shard_of(url, self.shards, self.by_domain) == self.shard

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.mode == "discover":
            for request in self.discovery_requests():
                yield request
        elif self.mode == "track":
            for request in self.track_requests():
                yield request
        elif self.handed_over is not None:
            for request in self.handed_over_requests():
                yield request
        else:
            for request in self.recheck_requests():
                yield request

    # -- discovery ----------------------------------------------------------------------------
    # Sharded: every worker reads the feeds and sitemaps and keeps its share of the
    # articles. That costs N-1 extra fetches of a handful of discovery pages per crawl, against
    # thousands of article fetches, and needs no coordination between processes (no queue to
    # hand URLs over, no worker waiting for another's discovery); a URL's share is a stable
    # hash, so no article is fetched by two workers.
    def discovery_requests(self) -> Iterable[scrapy.Request]:
        for source in self.selected:
            for url in source.feeds:
                yield self._discovery_request(url, self.parse_feed, source)
            for url in source.sitemaps:
                yield self._discovery_request(url, self.parse_sitemap, source)
            for url in source.start_urls:
                yield self._discovery_request(url, self.parse_section, source)
                for sample in range(2, source.front_samples + 1) if self.reads_fronts(source, url) else ():
                    # Fronts serve headline variants per request: read again, as a new visitor.
                    request = self._discovery_request(url, self.parse_section, source)
                    request.meta.update(dont_merge_cookies=True, newswatch_front_sample=sample)
                    yield request

    def _discovery_request(self, url: str, callback, source: Source) -> scrapy.Request:
        self.crawler.stats.inc_value("newswatch/discovery_requests")
        return scrapy.Request(url, callback=callback, errback=self.discovery_failed,
                              cb_kwargs={"source": source}, dont_filter=True,
                              meta={"newswatch_source": source.name})

    def parse_feed(self, response: Response, source: Source):
        problems: list[str] = []
        entries = discovery.newest_first(  # the newest first: they go within the cap
            discovery.feed_entries(response.body, response.url, problems), "updated")
        for problem in problems:  # named in the crawl's `error` column
            self.discovery_failed_message(response.url, problem)
        self.crawler.stats.inc_value("newswatch/feeds")
        yield from self.article_requests([e["url"] for e in entries], source, trusted=True,
                                         hints={e["url"]: e["updated"] for e in entries})

    def parse_sitemap(self, response: Response, source: Source):
        body, why = self._sitemap_body(response)
        if body is None:
            self.discovery_failed_message(response.url, why)
            return
        problems: list[str] = []
        kind, entries = discovery.sitemap_entries(body, problems)
        for problem in problems:  # named in the crawl's `error` column
            self.discovery_failed_message(response.url, problem)
        entries = discovery.newest_first(entries, "lastmod")
        self.crawler.stats.inc_value("newswatch/sitemaps")
        # Locations must be absolute per sitemaps.org; resolve relative ones as browsers would.
        locs = [discovery.canonical(urljoin(response.url, e["loc"])) for e in entries]
        if kind == "sitemapindex":
            self.sitemap_seen(discovery.canonical(response.url), response)
            for loc in locs:
                # An index that lists itself (or two that list each other) would loop
                # forever, since discovery requests are dont_filter: each sitemap once per crawl.
                if urlsplit(loc).scheme in ("http", "https") and source.on_allowed_domain(
                        urlsplit(loc).hostname or "") and not self.sitemap_seen(loc, response):
                    yield self._discovery_request(loc, self.parse_sitemap, source)
            return
        yield from self.article_requests(locs, source, trusted=True, hints={
            loc: e.get("lastmod") for loc, e in zip(locs, entries)})

    def sitemap_seen(self, url: str, response: Response) -> bool:
        """Whether this discovery already fetched (or asked for) sitemap `url`; marks it seen.
        Here a discovery is the crawl; a long-lived worker overrides it per discovery cycle."""
        if url in self.sitemaps_seen:
            return True
        self.sitemaps_seen.add(url)
        return False

    def parse_section(self, response: Response, source: Source):
        if not hasattr(response, "text"):
            self.discovery_failed_message(response.url, "section page is not HTML")
            return
        # Domains are checked by section_links (LinkExtractor's allow_domains rejects IP hosts).
        links = [link.url for link in LinkExtractor(unique=True).extract_links(response)]
        self.crawler.stats.inc_value("newswatch/section_pages")
        front = response.meta.get("redirect_urls", [response.url])[0]  # as the sources file names it
        if self.reads_fronts(source, front):
            self.record_front(response, source, front)
        yield from self.article_requests(discovery.section_links(links, source), source, trusted=False)

    def reads_fronts(self, source: Source, url: str) -> bool:
        """Is `url` one of the source's fronts, read by this process? Every worker of a sharded
        crawl reads the discovery pages; only the first records the front."""
        return self.shard == 0 and url in source.front_urls

    def record_front(self, response: Response, source: Source, front: str) -> None:
        placements = discovery.front_placements(response.text, response.url, source)
        crawl_id = self.crawler.stats.get_value("newswatch/crawl_id")
        try:
            record_front_reading(self.db, source.name, front, datetime.now(timezone.utc), placements,
                                 crawl_id)
        except Exception as exc:  # a front that cannot be recorded must not stop discovery
            if storage_problem(exc, self.db_file) is not None:
                self.storage_failed(exc)  # unless the database fails: then the crawl stops
            self.discovery_failed_message(response.url, f"front not recorded: {exc}")
            return
        self.crawler.stats.inc_value("newswatch/front_readings")

    def article_requests(self, urls: Iterable[str], source: Source, trusted: bool,
                         hints: dict[str, str | None] | None = None):
        """Requests for the articles we do not track yet (feeds/sitemaps are trusted lists);
        for known ones, a newer feed/sitemap date brings their re-check forward."""
        wanted = self.wanted_urls(urls, source)
        try:
            known = known_urls(self.db, wanted)
            self._apply_hints(known, hints or {})
        except (sqlite3.Error, OSError) as exc:
            self.storage_failed(exc)
        # A URL listed by the feed, the sitemap and a section page is fetched once per crawl.
        new = self._within_cap([u for u in wanted if u not in known and u not in self.requested],
                               source)
        self.requested.update(new)
        self.crawler.stats.inc_value("newswatch/discovered", len(wanted))
        for url in new:
            yield self._article_request(url, source)

    def storage_failed(self, exc: Exception):
        """The database failed a read or write (damaged, disk full): the crawl stops, once."""
        if (problem := storage_problem(exc, self.db_file)) is None:
            raise exc
        stop_for_storage(self.crawler, problem)
        raise CloseSpider("failed") from None

    def _within_cap(self, new: list[str], source: Source) -> list[str]:
        """The first of `new` up to the source's max_new_per_discovery for this crawl (this
        worker's share of it); the others are counted and wait for the next discovery."""
        cap = self.config.new_per_discovery(source)
        cap = cap // self.shards + (1 if self.shard < cap % self.shards else 0)
        room = max(0, cap - self.taken.get(source.name, 0))
        self.taken[source.name] = self.taken.get(source.name, 0) + min(room, len(new))
        if len(new) > room:
            over = self.over_cap.setdefault(source.name, set())
            over.update(new[room:])
            self.crawler.stats.set_value(f"newswatch/over_cap/{source.name}", (len(over), cap))
        return new[:room]

    def wanted_urls(self, urls: Iterable[str], source: Source) -> list[str]:
        """The article URLs among `urls`: canonical, each once, in this process's share."""
        return list(dict.fromkeys(u for u in map(discovery.canonical, urls)
                                  if source.is_article_url(u) and self.mine(u)))

    def _apply_hints(self, known: set[str], hints: dict[str, str | None]) -> None:
        now = datetime.now(timezone.utc)
        for url, stamp in hints.items():
            url = discovery.canonical(url)
            changed_at = discovery.parse_date(stamp)
            if url in known and changed_at is not None and hint_recheck(self.db, url, now, changed_at):
                self.crawler.stats.inc_value("newswatch/hinted")

    def _sitemap_body(self, response: Response) -> tuple[bytes | None, str]:
        """The sitemap's XML, or None and why not. A sitemap.xml.gz comes without Content-Encoding
        (so Scrapy leaves it compressed): gunzipped here, held to DOWNLOAD_MAXSIZE like a download."""
        body = response.body
        if body[:2] == b"\x1f\x8b":
            cap = response.meta.get("download_maxsize", self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
                    body = stream.read(cap + 1 if cap else -1)  # never more than the cap in memory
            except (OSError, EOFError):
                return None, "not a sitemap (gzip data that does not decompress)"
            if cap and len(body) > cap:
                return None, over_the_cap(cap)
        return (body, "") if body.lstrip()[:1] == b"<" else (None, "not a sitemap (no XML body)")

    def discovery_failed(self, failure: Failure):
        request = failure.request
        return self.discovery_failed_message(request.url, describe_failure(failure))

    def discovery_failed_message(self, url: str, why: str) -> None:
        self.crawler.stats.inc_value("newswatch/discovery_failed")
        errors = self.crawler.stats.get_value("newswatch/discovery_errors", [])
        if f"{url}: {why}" not in errors:  # a front read twice that fails twice is one problem
            errors.append(f"{url}: {why}")
        self.crawler.stats.set_value("newswatch/discovery_errors", errors)
        # shown once per crawl at its end (crawler.progress), not once per worker process here
        self.logger.info("discovery failed: %s: %s", url, why)
        return None

    def track_requests(self) -> Iterable[scrapy.Request]:
        """The article URLs given (`newswatch add URL`), each under the selected source whose
        domains it is on, fetched as a new article: the first check stores version 1."""
        for url in map(discovery.canonical, self.only_urls or ()):
            host = urlsplit(url).hostname or ""
            source = next((s for s in self.selected if s.on_allowed_domain(host)), None)
            if source is None:
                self.logger.warning("%s: on no selected source's allowed_domains; not fetched", url)
            elif self.mine(url):
                yield self._article_request(url, source)

    # -- articles -----------------------------------------------------------------------------
    def recheck_requests(self) -> Iterable[scrapy.Request]:
        """The re-check's articles, asked by Scrapy alone (`scrapy crawl news -a mode=recheck`, or
        NEWSWATCH_PROBE=0): the same choice as crawler/recheck/precheck.py's."""
        selection = select(self.db, self.config, self.selected, by_name=bool(self.source_names),
                           every=self.every, urls=self.only_urls, shard=self.shard,
                           shards=self.shards, warn=self.logger.warning)
        self.crawler.stats.set_value("newswatch/due_left", selection.due_left)
        for row, source in selection.rows:
            yield self._article_request(row["url"], source, row)

    def handed_over_requests(self) -> Iterable[scrapy.Request]:
        """The articles a re-check's first phase left to Scrapy (crawler/recheck/precheck.py), with the
        probe's answer as their download where it has one (crawler.middlewares.UseProbedResponse)."""
        sources = {s.name: s for s in self.config.sources}
        for item in self.handed_over:
            request = self._article_request(item.row["url"], sources[item.source], item.row)
            if item.answer is not None:
                request.meta[PROBED] = item.answer
                request.meta["newswatch_started"] = item.answer.started
            # One attempt budget per URL per crawl (1 + RETRY_TIMES, each up to DOWNLOAD_TIMEOUT):
            # a probe that timed out used one, and RetryMiddleware counts on from meta.
            if item.attempts:
                request.meta["retry_times"] = item.attempts
            yield request

    def _article_request(self, url: str, source: Source, known: dict | None = None) -> scrapy.Request:
        """dont_filter: a re-check is never dropped as a duplicate of an earlier fetch. A known
        article is asked for conditionally (RFC 9110 §13.1): a 304 costs a few hundred bytes."""
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              dont_filter=True, headers=validators(known or {}),
                              meta={"newswatch_source": source.name,
                                    "handle_httpstatus_list": RECORDED_STATUSES,
                                    "newswatch_raw_hash": (known or {}).get("raw_hash"),
                                    "newswatch_started": time.monotonic()})

    def parse_article(self, response: Response):
        meta = response.meta
        url = discovery.canonical(meta.get("redirect_urls", [response.request.url])[0])
        page = FetchedPage(url=url, final_url=discovery.canonical(response.url),
                           source=meta["newswatch_source"], fetched_at=datetime.now(timezone.utc),
                           http_status=response.status, duration_ms=_elapsed_ms(meta),
                           etag=_header(response, b"ETag"),
                           last_modified=_header(response, b"Last-Modified"))
        if PLAIN in meta:  # the browser's render of a plain answer
            self._take_render(page, response, meta[PLAIN])
        elif response.status == 304:
            page.not_modified = True
        elif response.status >= 300:
            page.error = f"HTTP {response.status}"
        else:
            page.exchange = _exchange(response, page.fetched_at)
            if (render := self._to_browser(page, response)) is not None:
                return render
            self._take_body(page, response, meta.get("newswatch_raw_hash"))
        return page  # not a generator: Scrapy inspects generator callbacks' source on every call

    # -- browser rendering (crawler/render.py) ----------------------------------------------
    def _to_browser(self, page: FetchedPage, response: Response) -> scrapy.Request | None:
        """The render of a 200 whose source renders; for an `auto` source, the plain answer
        kept on the page, in case its cleaned article says it needs the browser."""
        source = self.config.source(page.source)
        if response.status != 200 or "html" not in (_header(response, b"Content-Type") or "html").lower():
            return None
        if not self.renderer.renders(source) and not self.renderer.may_render(source):
            return None
        plain = PlainAnswer(url=page.url, final_url=response.url, status=response.status,
                            headers=[(k.decode("latin-1"), v.decode("latin-1"))
                                     for k, values in response.headers.items() for v in values],
                            body=response.body, started=response.meta.get("newswatch_started"),
                            exchange=page.exchange)
        if self.renderer.renders(source):
            return self.render(plain, source, response.meta.get("newswatch_raw_hash"))
        page.plain = plain
        return None

    def render(self, plain: PlainAnswer, source: Source, raw_hash: str | None = None) -> scrapy.Request:
        """The request that opens the plain answer in the browser (back to parse_article)."""
        return render_request(self, plain, source, {
            "newswatch_source": source.name, "handle_httpstatus_list": RECORDED_STATUSES,
            "newswatch_raw_hash": raw_hash, "newswatch_started": plain.started})

    def _take_render(self, page: FetchedPage, response: Response, plain: PlainAnswer) -> None:
        """The rendered page: the DOM is what the cleaner reads (the plain body, when the
        source is rendered only for its screenshots), the plain fetch is what was fetched."""
        self.crawler.stats.inc_value("newswatch/rendered")
        page.url, page.final_url = plain.url, discovery.canonical(plain.final_url)
        page.http_status, page.exchange, page.rendered = plain.status, plain.exchange, True
        headers = {k.lower(): v for k, v in plain.headers}
        page.etag, page.last_modified = headers.get("etag"), headers.get("last-modified")
        page.dom, page.screenshot, page.second_look = response.body, screenshot_of(response), plain.words
        page.encoding = _header_charset(headers.get("content-type", "").lower())
        source = self.config.source(page.source)
        text_from_dom = source.render == "always" or self.renderer.decisions.get(source.name) is True \
            or plain.words is not None
        body = response.body if text_from_dom else plain.body
        page.raw_hash = hashlib.sha256(body).hexdigest()
        if page.raw_hash != response.meta.get("newswatch_raw_hash"):
            page.body = body  # else byte-identical to last time: unchanged_raw, no cleaning

    def _take_body(self, page: FetchedPage, response: Response, last_raw_hash: str | None) -> None:
        content_type = (_header(response, b"Content-Type") or "").lower()
        if content_type and "html" not in content_type:
            page.error = f"not an HTML page (Content-Type {content_type.split(';')[0]})"
            return
        page.raw_hash = hashlib.sha256(response.body).hexdigest()
        if page.raw_hash == last_raw_hash:
            return  # byte-identical to last time: the store records unchanged_raw, no cleaning
        page.body = response.body
        page.encoding = _header_charset(content_type)

    def article_failed(self, failure: Failure):
        request = failure.request
        response = getattr(failure.value, "response", None)
        first_url = request.meta[PLAIN].url if PLAIN in request.meta else \
            request.meta.get("redirect_urls", [request.url])[0]  # the URL we asked for
        return FetchedPage(url=discovery.canonical(first_url), source=request.meta["newswatch_source"],
                          fetched_at=datetime.now(timezone.utc),
                          http_status=response.status if response is not None else None,
                          duration_ms=_elapsed_ms(request.meta), error=describe_failure(failure))


def describe_failure(failure: Failure) -> str:
    """One line a person understands, for the checks table and the log."""
    if failure.check(HttpError):
        response = failure.value.response
        location = _header(response, b"Location") if 300 <= response.status < 400 else None
        if location:  # a redirect Scrapy would not follow (file:, ftp:, data: …)
            return _one_line(f"HTTP {response.status}: redirect to {location} not followed", 160)
        return f"HTTP {response.status}"
    # Scrapy >= 2.19 wraps Twisted's errors in its own (CannotResolveHostError, …): both count.
    name = type(failure.value).__name__
    if failure.check(DNSLookupError) or name == "CannotResolveHostError":
        return "DNS lookup failed"
    if failure.check(ConnectionRefusedError) or name == "DownloadConnectionRefusedError":
        return "connection refused"
    if failure.check(TimeoutError) or "TimeoutError" in type(failure.value).__name__:
        return "timed out"
    # Scrapy's HttpCompressionMiddleware: "… exceeded DOWNLOAD_MAXSIZE (N B) during decompression."
    if failure.check(IgnoreRequest) and "during decompression" in failure.getErrorMessage():
        cap = re.search(r"DOWNLOAD_MAXSIZE \((\d+) B\)", failure.getErrorMessage())
        return over_the_cap(int(cap.group(1)) if cap else DOWNLOAD_MAXSIZE)
    if failure.check(IgnoreRequest):
        return _one_line(f"not fetched: {failure.getErrorMessage() or 'request ignored (robots.txt?)'}")
    # Scrapy's own words for these are a bare class name or a repr of nested failures.
    if name == "ResponseDataLossError":
        return "truncated response (fewer bytes than its Content-Length)"
    if name == "DownloadCancelledError" and not failure.getErrorMessage():
        return "download cancelled (body over DOWNLOAD_MAXSIZE, or the crawl was stopping)"
    return _one_line(f"{name}: {failure.getErrorMessage()}".strip(": "))


def over_the_cap(cap: int) -> str:
    """Why a body that decompresses past DOWNLOAD_MAXSIZE was refused (the URL goes with it)."""
    return f"refused: the body decompresses to more than {cap / 2**20:g} MB (DOWNLOAD_MAXSIZE, {cap} bytes)"


def _one_line(text: str, limit: int = 240) -> str:
    """A check's error is one short line, whatever a hostile server put in it."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


def _header_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key == "charset" and value:
            return value.strip("\"' ")
    return None


def _exchange(response: Response, fetched_at: datetime):
    """The request and response CaptureExchange kept for the source's WARC archive, if any."""
    kept = response.meta.pop(EXCHANGE, None)
    if kept is None:
        return None
    from crawler.archive import HttpExchange

    method, sent, status, received, body, protocol = kept
    return HttpExchange(url=response.url, fetched_at=fetched_at, status=status,
                        response_headers=received, body=body, method=method,
                        request_headers=sent, protocol=protocol)


def _elapsed_ms(meta: dict) -> int | None:
    started = meta.get("newswatch_started")
    return int((time.monotonic() - started) * 1000) if started else None

