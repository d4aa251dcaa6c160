"""Downloader middlewares: no request, redirect included, leaves its source's domains or
http(s); a re-check's answer the probe already has is the download; no meta-refresh scan of
bodyless answers."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.request_settings import ADDED_HEADERS, request_headers

PROBED = "newswatch_probed"  # request meta key: the probe's answer (crawler/recheck/probe.py's Answer)


class _SourceMiddleware:
    """A downloader middleware that acts on the requests of a source of the sources file."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def source_of(self, request):
        """The request's source, or None for robots.txt and the engine's other requests (they
        go to the same host as their source's)."""
        name = request.meta.get("newswatch_source")
        spider = self.crawler.spider
        return None if name is None or not hasattr(spider, "config") else spider.config.source(name)


class StayOnSource(_SourceMiddleware):
    """Refuses any request (including a redirect target) for another scheme or another domain
    than its source allows; the refusal reaches the errback and is recorded as the check's error."""

    def process_request(self, request, spider=None):
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"refused: {parts.scheme}: URLs are never fetched")
        source = self.source_of(request)
        if source is None:
            return None
        if not source.on_allowed_domain(parts.hostname or ""):
            self.crawler.stats.inc_value("newswatch/offsite_refused")
            raise IgnoreRequest(f"refused: {parts.hostname} is outside the source's allowed_domains")
        return None


class SourceRequestSettings(_SourceMiddleware):
    """The source's headers, User-Agent and cookies (crawler/request_settings.py) on each of its
    requests, recomputed for every URL: a redirect copy to a host that is not the source's own
    loses the Cookie. Before robots.txt (100), which matches the User-Agent the request sends."""

    def process_request(self, request, spider=None):
        source = self.source_of(request)
        if source is None:
            return None
        request.headers.pop(b"Cookie", None)
        added = request_headers(source, request.url)
        for header, value in added.items():
            request.headers[header] = value
        request.meta[ADDED_HEADERS] = tuple(added)
        return None


class MetaRefreshWithBody(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, minus the HTML scan of responses that have no body to
    scan (a 304 of a re-check: most responses of a monitor)."""

    def process_response(self, request, response, spider=None):
        if not response.body:
            return response
        return super().process_response(request, response)


class UseProbedResponse:
    """A re-check's article the conditional probe (crawler/recheck/probe.py) already has the answer to
    is not downloaded again: the answer goes on through the other middlewares' process_response
    (decompression, redirects, retries, stats) as a download."""

    def process_request(self, request, spider=None):
        answer = request.meta.pop(PROBED, None)  # popped: a redirect or retry copy downloads
        if answer is None:
            return None
        request.meta["download_latency"] = answer.latency
        if not answer.body:  # Response makes its Headers from the pairs (one copy, not three)
            return Response(request.url, status=answer.status, headers=answer.headers, request=request)
        headers = Headers(answer.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
        return cls(request.url, status=answer.status, headers=headers, body=answer.body,
                   request=request)


EXCHANGE = "newswatch_exchange"  # request meta key: the request and response as on the wire


class CaptureExchange:
    """For sources archived in WARC files: keeps the request headers as sent and the response
    (status, headers, body) as received, before decompression, for crawler.archive. Sits next to
    the downloader, so it sees what the other middlewares added and nothing they decoded."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        spider = self.crawler.spider
        name = request.meta.get("newswatch_source")
        if name is None or not hasattr(spider, "config") or request.meta.get("playwright") or \
                not spider.config.captures_warc(spider.config.source(name)):
            return response  # a render's exchange is the plain fetch it rendered (crawler/render.py)
        sent = _redacted(_pairs(request.headers), spider.config.source(name))
        if not any(k.lower() == "host" for k, _ in sent):
            sent.insert(0, ("Host", urlsplit(request.url).netloc))
        # The body arrives de-chunked: a Transfer-Encoding header would misdescribe it (RFC 9112 §6.1).
        received = [(k, v) for k, v in _pairs(response.headers) if k.lower() != "transfer-encoding"]
        request.meta[EXCHANGE] = (request.method, sent, response.status, received, response.body,
                                  getattr(response, "protocol", None) or "HTTP/1.1")
        return response


def _redacted(sent: list[tuple[str, str]], source) -> list[tuple[str, str]]:
    """The request as sent, less the values of the source's cookies and headers: a WARC file is
    shared with archivists; the user's secrets are not (the header names stay, as a trace)."""
    secret = {"cookie"} | {name.lower() for name, _ in source.headers}
    return [(k, "(redacted)" if k.lower() in secret else v) for k, v in sent]


def _pairs(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]
