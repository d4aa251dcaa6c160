"""Web archives as a source of versions: a polite client of the CDX API (the Wayback Machine's and
pywb's) with `id_` replays, the backfill of an article's history from its captures, and the
archive's nearest capture to compare with. Lives in crawler/ because it needs the cleaner."""
from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from crawler.cleaner import Article
from crawler.items import content_of
from crawler.outcomes import classify_page
from crawler.politeness import retry_after
from crawler.reclean import page_selectors
from crawler.site_parsers import SiteParserFailed, clean_page as clean_with_parser
from crawler.sources import Config
from db.rewrites import ArchivedVersion, insert_archived_versions
from db.schema import iso

if TYPE_CHECKING:
    import sqlite_utils

INTERNET_ARCHIVE = "https://web.archive.org/cdx/search/cdx"
RETRIES = 4  # after the first try, on 429 and 5xx answers
MAX_WAIT = 120.0  # seconds: a longer Retry-After is taken as "not now", an error of this article
TIMEOUT = 60.0
# Both CDX servers answer `output=json`, in two shapes: the Wayback Machine a list of rows under a
# header row (original, mimetype, statuscode), pywb one object per line (url, mime, status).
_KEYS = {"original": "url", "mimetype": "mime", "statuscode": "status"}


class ArchiveError(Exception):
    """An archive did not answer usefully for one article: one line, never a version."""

    def __init__(self, archive: str, url: str, why: str):
        super().__init__(f"{url}: archive {archive}: {why}")
        self.archive, self.url, self.why = archive, url, why


@dataclass(frozen=True)
class Capture:
    """One CDX row: when the archive captured which URL, with what status and content digest."""

    timestamp: str  # 14 digits, UTC (YYYYMMDDhhmmss)
    url: str
    status: str
    mime: str
    digest: str

    @property
    def captured_at(self) -> str:
        return iso(datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
                   .replace(tzinfo=timezone.utc))


@dataclass
class ArchiveClient:
    """One archive, one request at a time, at most `requests_per_second`, with back-off on 429
    and 5xx that honours Retry-After (RFC 9110 section 10.2.3), and on dropped connections and
    timeouts; a refused connection (nothing listening) fails at once."""

    cdx_url: str
    user_agent: str
    requests_per_second: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    _last: float = field(default=0.0, repr=False)

    @property
    def replay_base(self) -> str:
        """The Wayback Machine replays under /web/; pywb under the collection its /cdx is in."""
        if self.cdx_url.rstrip("/").endswith("/cdx/search/cdx"):
            return self.cdx_url.rstrip("/").removesuffix("/cdx/search/cdx") + "/web/"
        return self.cdx_url.rstrip("/").removesuffix("/cdx") + "/"

    def replay_url(self, capture: Capture) -> str:
        """The original page as captured, without the archive's banner or rewriting (`id_`)."""
        return f"{self.replay_base}{capture.timestamp}id_/{capture.url}"

    def captures(self, url: str, *, since: datetime | None = None, until: datetime | None = None,
                 closest: datetime | None = None, limit: int | None = None) -> list[Capture]:
        """The archive's captures of `url` (oldest first, or nearest `closest` first)."""
        query = {"url": url, "output": "json"}
        if since is not None:
            query["from"] = since.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
        if until is not None:
            query["to"] = until.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
        if closest is not None:
            query.update(closest=closest.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S"), sort="closest")
        if limit is not None:
            query["limit"] = str(limit)
        body = self.get(f"{self.cdx_url}?{urllib.parse.urlencode(query)}", url).decode("utf-8", "replace")
        try:
            return list(_cdx_rows(body))
        except (ValueError, KeyError, TypeError) as exc:
            raise ArchiveError(self.cdx_url, url, f"not a CDX JSON answer ({exc})") from None

    def get(self, address: str, article_url: str) -> bytes:
        """GET `address` politely; ArchiveError when it fails for good."""
        for attempt in range(RETRIES + 1):
            self._pace()
            try:
                request = urllib.request.Request(address, headers={"User-Agent": self.user_agent})
                with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500 or attempt == RETRIES:
                    raise ArchiveError(self.cdx_url, article_url, f"HTTP {exc.code} for {address}") from None
                wait = retry_after(exc.headers.get("Retry-After"))
                wait = 2.0 ** attempt if wait is None else wait
                if wait > MAX_WAIT:
                    raise ArchiveError(self.cdx_url, article_url,
                                       f"HTTP {exc.code}, asked to wait {wait:.0f} s (try later)") from None
                self.sleep(wait)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                why = getattr(exc, "reason", exc)
                if isinstance(why, ConnectionRefusedError) or attempt == RETRIES:
                    raise ArchiveError(self.cdx_url, article_url, f"no answer ({why or type(why).__name__})") from None
                self.sleep(2.0 ** attempt)  # a dropped connection or a timeout: busy archives do that
        raise AssertionError("unreachable")

    def _pace(self) -> None:
        gap = 1.0 / self.requests_per_second - (time.monotonic() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = time.monotonic()


def _cdx_rows(body: str) -> Iterable[Capture]:
    text = body.strip()
    if not text:
        return []
    if text.startswith("["):  # the Wayback Machine: a header row, then the rows
        table = json.loads(text)
        header = [_KEYS.get(name, name) for name in table[0]] if table else []
        objects = [dict(zip(header, row)) for row in table[1:]]
    else:  # pywb: one JSON object per line
        objects = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [Capture(o["timestamp"], o["url"], str(o.get("status", "-")), o.get("mime", ""),
                    o.get("digest", "")) for o in objects]


def distinct_captures(captures: Iterable[Capture]) -> list[Capture]:
    """Successful HTML captures, a run of captures with the same digest kept as its first one."""
    out: list[Capture] = []
    for capture in captures:
        if capture.status != "200" or (capture.mime and "html" not in capture.mime):
            continue
        if out and capture.digest and out[-1].digest == capture.digest:
            continue
        out.append(capture)
    return out


def clients(config: Config, archives: Iterable[str] = ()) -> list[ArchiveClient]:
    """One client per archive: those given, else the sources file's, else the Internet Archive."""
    urls = list(archives) or list(config.archives) or [INTERNET_ARCHIVE]
    return [ArchiveClient(u, config.user_agent, config.archive_requests_per_second) for u in urls]


@dataclass
class BackfillReport:
    """What one article's backfill did: versions added, captures seen and why others were not."""

    url: str
    added: int = 0
    captures: int = 0
    duplicates: int = 0  # same digest as the capture before, or already imported
    stand_ins: int = 0  # an error page or a wall in the archive, or no article in the page
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.errors and not self.captures:
            return self.errors[0]
        return (f"{self.url}: {self.added} archive version{'s' * (self.added != 1)} added "
                f"({self.captures} captures, {self.duplicates} repeated, {self.stand_ins} not the article)"
                + "".join(f"; {e}" for e in self.errors))


def backfill_article(db: sqlite_utils.Database, article: dict, archive_clients: list[ArchiveClient],
                     config: Config | None = None, since: datetime | None = None) -> BackfillReport:
    """Fill the history of one tracked article (a row of `articles`) from the archives'
    captures that predate its first crawled version."""
    report = BackfillReport(article["url"])
    first = db.execute("select min(captured_at) from versions where article_id = ? and origin = 'crawl'",
                       [article["id"]]).fetchone()[0]
    until = datetime.fromisoformat(first) if first else None
    known = {r[0] for r in db.execute("select archive_url from versions where article_id = ? and "
                                      "archive_url is not null", [article["id"]])}
    found: list[ArchivedVersion] = []
    for client in archive_clients:
        try:
            captures = distinct_captures(client.captures(article["url"], since=since, until=until))
        except ArchiveError as exc:
            report.errors.append(str(exc))
            continue
        report.captures += len(captures)
        for capture in captures:
            replay = client.replay_url(capture)
            if replay in known or (first and capture.captured_at >= first):
                report.duplicates += 1
                continue
            try:
                cleaned = archived_article(client, capture, article, config)
            except ArchiveError as exc:
                report.errors.append(str(exc))
                continue
            if cleaned is None:
                report.stand_ins += 1
                continue
            found.append(ArchivedVersion(content_of(cleaned), capture.captured_at, replay))
    found.sort(key=lambda v: v.captured_at)
    report.added = len(insert_archived_versions(db, article["id"], found)) if found else 0
    report.duplicates += len(found) - report.added
    return report


def archived_article(client: ArchiveClient, capture: Capture, article: dict,
                     config: Config | None) -> Article | None:
    """The capture's page cleaned as our own fetches are; None when it is not the article."""
    html = client.get(client.replay_url(capture), article["url"])
    try:
        cleaned = clean_with_parser(html, article["url"], **page_selectors(config, article["source"]))
    except SiteParserFailed:
        return None
    if not cleaned.title.strip() or not cleaned.body.strip():
        return None
    return None if classify_page(cleaned, article["url"]) is not None else cleaned


def nearest_archived(client: ArchiveClient, article: dict, at: datetime | None = None,
                     config: Config | None = None, tries: int = 5) -> tuple[Capture, Article]:
    """The archive's capture of the article nearest `at` (default now) that is the article."""
    moment = at or datetime.now(timezone.utc)
    captures = distinct_captures(client.captures(article["url"], closest=moment, limit=tries * 2))
    for capture in captures[:tries]:
        cleaned = archived_article(client, capture, article, config)
        if cleaned is not None:
            return capture, cleaned
    raise ArchiveError(client.cdx_url, article["url"],
                       "no capture of the article (only error pages or walls)" if captures else "no capture")
