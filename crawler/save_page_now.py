"""Save Page Now: each new version's URL submitted to a web archive's save endpoint (the Internet
Archive's SPN2 API by default), from the durable outbox in db.page_saves, one at a time under the
archive's rate limit, by a thread beside the crawl (`PageSaver`) or a bounded `drain` (the
`newswatch save-page-now` command, the scheduler's loop). A failing archive never fails a crawl:
its rows wait, with back-off, for a later drain.

The API (SPN2, https://docs.google.com/document/d/1Nsv52MvSjbLb2PCpHlat0gkzw0EvtSgpKHu4mk0MnrA):
POST url=… to /save with `Accept: application/json` (and `Authorization: LOW access:secret` with
S3-style keys) answers {"url", "job_id"}; GET /save/status/<job_id> answers {"status": "pending" |
"success" | "error", "timestamp" (14 digits, once done), "original_url", "status_ext", "message"}.
"""
from __future__ import annotations

import configparser
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from crawler.politeness import retry_after
from crawler.sources import Config
from db import page_saves
from db.schema import open_db

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://web.archive.org/save"
# The Internet Archive's published limits (SPN2 changelog, 2023-01-22): 4 captures a minute for
# anonymous users, 12 for users with keys, counted over the last 60 seconds.
ANONYMOUS_PER_MINUTE, WITH_KEYS_PER_MINUTE = 4, 12
KEY_VARIABLES = ("NEWSWATCH_IA_ACCESS_KEY", "NEWSWATCH_IA_SECRET_KEY")
TIMEOUT = 15.0  # seconds for one request to the archive
DRAIN_SECONDS = 20.0  # at the end of a crawl; what is left waits for the next drain
# SPN2 errors that say the archive (or our account) is busy, not that this page cannot be saved.
BUSY = {"error:user-session-limit", "error:too-many-daily-captures", "error:celery",
        "error:service-unavailable"}
_TIMESTAMP = re.compile(r"\d{14}")


class KeysError(ValueError):
    """Keys that cannot be used; one line naming where they came from and the fix, never the keys."""


class ArchiveUnavailable(Exception):
    """No answer, 429, 5xx, refused keys or a busy archive: everything waits (`retry_after` s)."""

    def __init__(self, why: str, retry_after: float | None = None):
        super().__init__(why)
        self.why, self.retry_after = why, retry_after


class SaveRefused(Exception):
    """The archive will not save this page (a 4xx): the row is given up."""


@dataclass(frozen=True)
class Keys:
    """S3-style keys of an archive.org account (https://archive.org/account/s3.php)."""

    access: str = field(repr=False)
    secret: str = field(repr=False)

    @property
    def authorization(self) -> str:
        return f"LOW {self.access}:{self.secret}"


def load_keys(config: Config, environ: Mapping[str, str] = os.environ) -> Keys | None:
    """Keys from NEWSWATCH_IA_ACCESS_KEY / NEWSWATCH_IA_SECRET_KEY, else from the file named by
    [settings] save_page_now_keys_file; None: anonymous. Never from the sources file itself."""
    access, secret = (environ.get(name, "").strip() for name in KEY_VARIABLES)
    if access or secret:
        if not (access and secret):
            given, missing = KEY_VARIABLES if access else KEY_VARIABLES[::-1]
            raise KeysError(f"{given} is set but {missing} is not (set both, or neither)")
        return Keys(access, secret)
    if config.save_page_now_keys_file is None:
        return None
    return keys_from_file(Path(config.path).parent / config.save_page_now_keys_file)


def keys_from_file(path: Path) -> Keys:
    """`access:secret` on one line, or an ia.ini-style file ([s3] access = …, secret = …)."""
    fix = "write access:secret on one line, or an [s3] section with access and secret"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeysError(f"{path}: cannot read the keys file ({type(exc).__name__}; {fix})") from None
    if text.startswith("["):
        parser = configparser.ConfigParser()
        try:
            parser.read_string(text)
            keys = Keys(parser["s3"]["access"].strip(), parser["s3"]["secret"].strip())
        except (configparser.Error, KeyError):
            raise KeysError(f"{path}: no [s3] access and secret in the keys file ({fix})") from None
    else:
        access, _, secret = text.partition(":")
        keys = Keys(access.strip(), secret.strip())
    if not keys.access or not keys.secret or any(c.isspace() for c in keys.access + keys.secret):
        raise KeysError(f"{path}: the keys file holds no access:secret pair ({fix})")
    return keys


@dataclass
class SaveEndpoint:
    """One archive's save endpoint; `keys` (when given) go in the Authorization header only."""

    url: str = DEFAULT_ENDPOINT
    user_agent: str = "newswatch"
    keys: Keys | None = field(default=None, repr=False)
    timeout: float = TIMEOUT

    def submit(self, page_url: str) -> dict:
        """Ask the archive to capture `page_url` now; its JSON answer (a job_id)."""
        body = urllib.parse.urlencode({"url": page_url}).encode("ascii")
        return self._call(urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", **self._headers()}))

    def status(self, job_id: str) -> dict:
        """The job's status: pending, success (with the capture's timestamp) or error."""
        address = f"{self.url.rstrip('/')}/status/{urllib.parse.quote(job_id, safe='')}"
        return self._call(urllib.request.Request(address, headers=self._headers()))

    def capture_url(self, timestamp: str, page_url: str) -> str:
        """Where the archive replays the capture (the Wayback Machine's /web/<timestamp>/<url>)."""
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}/web/{timestamp}/{page_url}"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if self.keys is not None:
            headers["Authorization"] = self.keys.authorization
        return headers

    def _call(self, request: urllib.request.Request) -> dict:
        host = urllib.parse.urlsplit(self.url).netloc
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read(1_000_000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise ArchiveUnavailable(f"{host} answered HTTP {exc.code}",
                                         retry_after(exc.headers.get("Retry-After"))) from None
            if exc.code in (401, 403):
                raise ArchiveUnavailable(f"{host} refused the keys (HTTP {exc.code}; check "
                                         f"{KEY_VARIABLES[0]} / {KEY_VARIABLES[1]} or the keys file)"
                                         ) from None
            raise SaveRefused(f"{host} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ArchiveUnavailable(f"cannot reach {host} ({getattr(exc, 'reason', exc)})") from None
        try:
            answer = json.loads(text)
        except ValueError:
            raise ArchiveUnavailable(f"{host} answered no JSON (is {self.url} a save endpoint?)") from None
        if not isinstance(answer, dict):
            raise ArchiveUnavailable(f"{host} answered JSON that is not an object")
        return answer


def endpoint_for(config: Config, environ: Mapping[str, str] = os.environ) -> SaveEndpoint:
    """The configured endpoint with its keys; KeysError when the keys cannot be used."""
    return SaveEndpoint(config.save_page_now_endpoint, config.user_agent, load_keys(config, environ))


def per_minute(config: Config, endpoint: SaveEndpoint) -> int:
    """[settings] save_page_now_per_minute, else the archive's published limit for us."""
    if config.save_page_now_per_minute is not None:
        return config.save_page_now_per_minute
    return WITH_KEYS_PER_MINUTE if endpoint.keys is not None else ANONYMOUS_PER_MINUTE


@dataclass
class DrainReport:
    """What a drain did: submissions accepted, captures confirmed, failed attempts (one line each)."""

    submitted: int = 0
    saved: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def step(db, endpoint: SaveEndpoint, limit: int, now: datetime, report: DrainReport) -> float | None:
    """One action: ask a submitted job's status, or submit the next due row. 0.0 when it did
    one; else the seconds until one may be due (None: nothing is waiting)."""
    row, poll_wait = page_saves.to_poll(db, now)
    if row is not None:
        _poll(db, endpoint, row, now, report)
        return 0.0
    claim = page_saves.claim(db, now, limit)
    if claim.row is not None:
        _submit(db, endpoint, claim.row, now, report)
        return 0.0
    waits = [w for w in (claim.wait, poll_wait) if w is not None]
    return max(0.1, min(waits)) if waits else None


def _submit(db, endpoint: SaveEndpoint, row: dict, now: datetime, report: DrainReport) -> None:
    try:
        answer = endpoint.submit(row["url"])
        if answer.get("status") == "error" and answer.get("status_ext") in BUSY:
            raise ArchiveUnavailable(f"the archive is busy ({answer['status_ext']})")
    except ArchiveUnavailable as exc:
        _failed(db, row, now, report, exc.why, archive_unavailable=True, retry_after=exc.retry_after)
        return
    except SaveRefused as exc:
        _failed(db, row, now, report, str(exc), give_up=True)
        return
    if _TIMESTAMP.fullmatch(str(answer.get("timestamp", ""))):  # an endpoint that saves at once
        page_saves.record_saved(db, row["id"], now, answer["timestamp"],
                                endpoint.capture_url(answer["timestamp"], row["url"]))
        report.submitted += 1
        report.saved += 1
    elif isinstance(answer.get("job_id"), str) and answer["job_id"]:
        page_saves.record_submitted(db, row["id"], now, answer["job_id"])
        report.submitted += 1
    else:
        _failed(db, row, now, report, "the archive took no job: " + _said(answer))


def _poll(db, endpoint: SaveEndpoint, row: dict, now: datetime, report: DrainReport) -> None:
    try:
        answer = endpoint.status(row["job_id"])
    except (ArchiveUnavailable, SaveRefused):
        answer = {}  # asked again after POLL_EVERY, until POLL_FOR has passed
    timestamp = str(answer.get("timestamp", ""))
    if answer.get("status") == "success" and _TIMESTAMP.fullmatch(timestamp):
        page_saves.record_saved(db, row["id"], now, timestamp,
                                endpoint.capture_url(timestamp, answer.get("original_url") or row["url"]))
        report.saved += 1
    elif answer.get("status") == "error":
        _failed(db, row, now, report, "the capture failed: " + _said(answer))
    else:
        page_saves.record_polled(db, row["id"], now)


def _failed(db, row: dict, now: datetime, report: DrainReport, why: str, **how) -> None:
    status = page_saves.record_failure(db, row["id"], now, why, **how)
    line = f"save page now: {row['url']}: {why} (attempt {row['attempts']}, now {status})"
    log.warning("%s", line)
    report.failed += 1
    report.errors.append(line)


def _said(answer: dict) -> str:
    return " ".join(str(answer[k]) for k in ("status_ext", "message") if answer.get(k)) or \
        json.dumps(answer)[:200]


def drain(db, config: Config, *, seconds: float, clock: Callable[[], datetime] | None = None,
          sleep: Callable[[float], None] = time.sleep,
          environ: Mapping[str, str] = os.environ) -> DrainReport:
    """Submit what is due for up to `seconds`, waiting for rate-limit slots and job statuses
    within that time; the rest stays queued. KeysError when the keys cannot be used."""
    endpoint = endpoint_for(config, environ)
    limit, report = per_minute(config, endpoint), DrainReport()
    clock = clock or _now
    end = time.monotonic() + seconds
    while (wait := step(db, endpoint, limit, clock(), report)) is not None:
        if wait == 0.0:
            continue  # it did something: go on
        if wait > end - time.monotonic():
            break
        sleep(wait)
    return report


class Submitter(threading.Thread):
    """Drains the outbox beside a crawl, with its own connection: it waits for new rows, rate
    slots and job statuses without ever holding up the reactor; `finish` bounds the end."""

    def __init__(self, db_path, endpoint: SaveEndpoint, limit: int):
        super().__init__(name="newswatch-save-page-now", daemon=True)
        self.db_path, self.endpoint, self.limit = db_path, endpoint, limit
        self.wake = threading.Event()
        self.deadline: float | None = None  # monotonic; set by finish
        self.report = DrainReport()

    def poke(self) -> None:
        self.wake.set()

    def finish(self, timeout: float = DRAIN_SECONDS) -> None:
        self.deadline = time.monotonic() + timeout
        self.wake.set()
        self.join(timeout + 1.0)  # a request in flight ends within its own timeout

    def run(self) -> None:
        db = open_db(self.db_path)
        try:
            while self.deadline is None or time.monotonic() < self.deadline:
                wait = step(db, self.endpoint, self.limit, _now(), self.report)
                if wait == 0.0:
                    continue
                if self.deadline is not None and (wait is None or wait > self.deadline - time.monotonic()):
                    break
                self.wake.wait(wait)
                self.wake.clear()
        except Exception:  # the database went away: whatever is left stays queued
            log.exception("save page now: the submitter stopped")
        finally:
            db.close()


class PageSaver:
    """Queues each new version of a source with save_page_now (crawl stage, `newswatch ingest`)
    and has a `Submitter` submit them; inactive when no source saves pages."""

    def __init__(self, config: Config, db_path, *, say_problems: bool = True):
        self.wanted = {s.name for s in config.sources if config.saves_pages(s)}
        self.db = self.submitter = None
        self.queued = 0
        if not self.wanted:
            return  # queued rows wait until a source saves pages again
        self.db = open_db(db_path)
        try:
            endpoint = endpoint_for(config)
        except KeysError as exc:  # versions are still queued; `newswatch save-page-now` says more
            if say_problems:  # once per crawl: by its first worker process
                log.warning("save page now: %s; new versions stay queued", exc)
            return
        self.submitter = Submitter(db_path, endpoint, per_minute(config, endpoint))
        self.submitter.start()  # it first retries what earlier runs left queued

    @property
    def active(self) -> bool:
        return bool(self.wanted)

    def announce(self, version_id: int | None, source: str) -> bool:
        """Queue a committed new version of our crawl for saving; whether it was queued."""
        if version_id is None or source not in self.wanted or self.db is None:
            return False
        if page_saves.queue(self.db, version_id, _now()) is None:
            return False
        self.queued += 1
        if self.submitter is not None:
            self.submitter.poke()
        return True

    def stop_announcing(self) -> None:
        """Close the connection announcements use (in the thread that opened it)."""
        if self.db is not None:
            self.db.close()
            self.db = None

    def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        if self.submitter is not None:
            self.submitter.finish(timeout)

    def close(self, timeout: float = DRAIN_SECONDS) -> None:
        self.stop_announcing()
        self.drain(timeout)


def _now() -> datetime:
    return datetime.now(timezone.utc)
