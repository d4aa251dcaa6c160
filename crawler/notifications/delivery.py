"""Delivering notifications of edits through Apprise: a `Notifier` for the crawl's pipeline stage
after StorePipeline (crawler.pipelines.NotifyPipeline), for a re-check that needed no Scrapy
crawl (crawler.recheck.precheck: it retries what is pending) and for `newswatch ingest`, the writer of
distributed crawls. Scrapy-free.

For each new version the stage reads its change record (committed by then), applies the
source's filter (crawler.notifications.rules) and queues one message per target in
`notifications`. A single sender thread delivers them, so a slow or dead target never holds up
the reactor or the crawl; a failed send stays `pending` and the next crawl retries it (at
spider_opened), up to db.notifications.MAX_ATTEMPTS.
"""
from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Iterable
from datetime import datetime, timezone

from crawler.notifications.rules import message, rules_for, wanted
from crawler.sources import Config
from db import notifications
from db.schema import open_db

log = logging.getLogger(__name__)
# Apprise's own socket timeouts (4 s connect, 4 s read) bound one send; at the end of a crawl the
# sender gets this long to finish its queue, the rest is retried by the next crawl.
DRAIN_SECONDS = 20.0


def target_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def target_label(url: str) -> str:
    """The URL with passwords and tokens masked (Apprise's privacy form): what the table keeps."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    return plugin.url(privacy=True) if plugin is not None else url.split("://")[0] + "://…"


def send(url: str, title: str, body: str) -> str | None:
    """Send one message; None when it went, else a one-line reason."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return "Apprise cannot use this URL"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            ok = plugin.notify(body=body, title=title)
        except Exception as exc:  # a plugin bug must not end the sender thread
            return f"{type(exc).__name__}: {exc}"
    if ok:
        return None
    lines = [line for line in captured.getvalue().splitlines() if line.strip()]
    return (lines[-1] if lines else "the target refused the notification")[:300]


class Sender(threading.Thread):
    """Delivers queued notifications one by one off the reactor thread, with its own connection."""

    def __init__(self, db_path, targets: dict[str, str]):
        super().__init__(name="newswatch-notify", daemon=True)
        self.db_path, self.targets = db_path, targets  # target hash -> URL (from the sources file)
        self.inbox: queue.Queue = queue.Queue()
        self.sent = self.failed = 0

    def submit(self, ids: Iterable[int] | None) -> None:
        """Queue these notification ids (None: every due one, i.e. the retries)."""
        self.inbox.put(None if ids is None else list(ids))

    def finish(self, timeout: float = DRAIN_SECONDS) -> None:
        self.inbox.put(StopIteration)
        self.join(timeout)

    def run(self) -> None:
        db = open_db(self.db_path)
        try:
            while (ids := self.inbox.get()) is not StopIteration:
                for row in notifications.claim(db, _now(), ids):
                    self._deliver(db, row)
        except Exception:  # the database went away: whatever is left stays pending
            log.exception("notification sender stopped")
        finally:
            db.close()

    def _deliver(self, db, row: dict) -> None:
        url = self.targets.get(row["target_hash"])
        error = "the target is no longer in the sources file" if url is None else \
            send(url, row["title"], row["body"])
        status = notifications.record_attempt(db, row["id"], _now(), error=error, give_up=url is None)
        if error is None:
            self.sent += 1
        else:
            self.failed += 1
            log.warning("notification %s to %s failed (attempt %s, now %s): %s", row["id"],
                        row["target"], row["attempts"], status, error)


class Notifier:
    """Announces new versions: for each one that passes its source's filter, one queued
    notification per target, delivered by a `Sender` thread. Used by the crawl (NotifyPipeline)
    and by `newswatch ingest`, the writer of distributed crawls."""

    def __init__(self, config: Config, db_path):
        self.public_url = config.public_url
        self.rules = {s.name: rules_for(config, s) for s in config.sources}
        self.db = self.sender = None
        self.queued = self.filtered = 0
        urls = {u for r in self.rules.values() for u in r.targets}
        if not urls:
            return  # notifications are off; queued ones wait until targets are configured again
        self.db = open_db(db_path)
        self.labels = {u: (target_hash(u), target_label(u)) for u in urls}
        self.sender = Sender(db_path, {h: u for u, (h, _) in self.labels.items()})
        self.sender.start()
        self.sender.submit(None)  # retry what earlier runs could not deliver

    @property
    def active(self) -> bool:
        return self.sender is not None

    def announce(self, version_id: int | None, source: str) -> int:
        """Queue the notifications of a committed version; how many were queued."""
        rules = self.rules.get(source)
        if version_id is None or rules is None or not rules.targets or self.db is None:
            return 0
        edit = notifications.edit_for_notification(self.db, version_id)
        if edit is None:
            return 0  # a first version
        if not wanted(edit, rules):
            self.filtered += 1
            return 0
        title, body = message(edit, self.public_url)
        ids = notifications.queue(self.db, edit, [self.labels[u] for u in rules.targets], title, body,
                                  _now())
        self.queued += len(ids)
        self.sender.submit(ids)
        return len(ids)

    def close(self, timeout: float = DRAIN_SECONDS) -> None:
        """No more announcements; the sender gets `timeout` seconds to deliver what is queued
        (the rest stays pending)."""
        self.stop_announcing()
        self.drain(timeout)

    def stop_announcing(self) -> None:
        """Close the connection announcements use (in the thread that opened it)."""
        if self.db is not None:
            self.db.close()
            self.db = None

    def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        if self.sender is not None:
            self.sender.finish(timeout)


def _now() -> datetime:
    return datetime.now(timezone.utc)
