"""Structured log lines for the daemon: one event per line, as text (key=value) or JSON."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone

FORMATS = ("text", "json")


class EventLog:
    """`log.event("crawl_finished", job="recheck", fetched=12)` writes one line through `echo`.

    text: `2026-11-27T18:02:03+00:00 info crawl_finished job=recheck fetched=12`
    json: `{"ts": "2026-11-27T18:02:03+00:00", "level": "info", "event": "crawl_finished", ...}`
    """

    def __init__(self, log_format: str = "text", echo: Callable[[str], None] = print,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        if log_format not in FORMATS:
            raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {log_format!r}")
        self.log_format, self.echo, self.clock = log_format, echo, clock

    def event(self, name: str, level: str = "info", **fields) -> str:
        ts = self.clock().astimezone(timezone.utc).isoformat(timespec="seconds")
        if self.log_format == "json":
            line = json.dumps({"ts": ts, "level": level, "event": name, **fields},
                              ensure_ascii=False, default=str)
        else:
            line = " ".join([ts, level, name] + [f"{k}={_text(v)}" for k, v in fields.items()])
        self.echo(line)
        return line


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    # Quote what would break `key=value` splitting; keep one event on one line.
    text = text.replace("\n", " ")
    return json.dumps(text, ensure_ascii=False) if (not text or any(c in text for c in ' "=')) else text


class EventHandler(logging.Handler):
    """Routes a library's log records (APScheduler's "skipped: maximum number of running
    instances reached", "missed by …") into the same one-event-per-line stream."""

    def __init__(self, log: EventLog, level: int = logging.WARNING):
        super().__init__(level)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.log.event("library_log", record.levelname.lower(), logger=record.name,
                           message=record.getMessage())
        except Exception:  # a log line must never take the daemon down
            self.handleError(record)
