"""What travels through Redis in distributed mode: the work items the coordinator pushes, the
results and heartbeats workers push, as dataclasses with their JSON form (to_json / from_json)."""
from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from db.schema import parse_iso
from db.store import Content, Fetch

KINDS = ("discover", "recheck")
PARSERS = ("feed", "sitemap", "section")


@dataclass(frozen=True)
class WorkItem:
    """One request for a worker: a discovery page of a source, or a known article to re-check
    with the validators and raw hash it was last seen with (RFC 9110 §13.1)."""

    kind: str  # "discover" or "recheck"
    url: str
    source: str
    cycle: str | None = None  # "discover:<source>:<UTC time>" or "recheck:<UTC time>"
    parser: str | None = None  # discover: "feed", "sitemap" or "section"
    etag: str | None = None  # recheck: what the article was last seen with
    last_modified: str | None = None
    raw_hash: str | None = None

    def to_json(self) -> str:
        if self.kind == "recheck":
            fields = {"kind": self.kind, "url": self.url, "source": self.source, "cycle": self.cycle,
                      "etag": self.etag, "last_modified": self.last_modified, "raw_hash": self.raw_hash}
        else:
            fields = {"kind": self.kind, "parser": self.parser, "url": self.url,
                      "source": self.source, "cycle": self.cycle}
        return json.dumps(fields)

    @classmethod
    def from_json(cls, text: str | bytes) -> WorkItem:
        """A work item back; ValueError (KeyError, TypeError too) when it is not one."""
        data = json.loads(text)
        kind = data.get("kind", "discover")
        if kind not in KINDS:
            raise ValueError(f"unknown work item kind {kind!r} (one of {', '.join(KINDS)})")
        if kind == "discover" and data.get("parser") not in PARSERS:
            raise ValueError(f"unknown parser {data.get('parser')!r} (one of {', '.join(PARSERS)})")
        return cls(kind, data["url"], data["source"], data.get("cycle"), data.get("parser"),
                   data.get("etag"), data.get("last_modified"), data.get("raw_hash"))

    def known(self) -> dict:
        """What a re-check knows of its article, as the row a local re-check reads."""
        return {"etag": self.etag, "last_modified": self.last_modified, "raw_hash": self.raw_hash}


@dataclass(frozen=True)
class Result:
    """One message of the results list: a fetch (with its content) or a change hint."""

    kind: str  # "fetch", "hint" or "page" (a discovery page was read, or failed: `error`)
    result_id: str
    cycle: str | None = None  # "discover:<source>:<iso time>" or "recheck:<iso time>"
    pushed_at: datetime | None = None
    fetch: Fetch | None = None
    content: Content | None = None
    url: str | None = None  # hint: the article a feed / sitemap date says changed …
    changed_at: datetime | None = None  # … at this moment
    error: str | None = None  # page: why the discovery page failed

    def to_json(self) -> str:
        """The JSON a worker pushes (`type` is the kind)."""
        if self.kind == "hint":
            return json.dumps({"type": "hint", "result_id": self.result_id, "url": self.url,
                               "changed_at": self.changed_at.isoformat(),
                               "pushed_at": self.pushed_at.isoformat()}, separators=(",", ":"))
        if self.kind == "page":
            return json.dumps({"type": "page", "result_id": self.result_id, "cycle": self.cycle,
                               "url": self.url, "error": self.error,
                               "pushed_at": self.pushed_at.isoformat()}, separators=(",", ":"))
        return json.dumps({"type": "fetch", "result_id": self.result_id, "cycle": self.cycle,
                           "pushed_at": self.pushed_at.isoformat(), "fetch": _fetch_dict(self.fetch),
                           "content": _content_dict(self.content)},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Result:
        """A message back as a Result; ValueError (KeyError, TypeError too) when it is not one."""
        data = json.loads(text)
        pushed_at = parse_iso(data.get("pushed_at"))
        if data["type"] == "hint":
            return cls("hint", data["result_id"], pushed_at=pushed_at, url=data["url"],
                       changed_at=parse_iso(data["changed_at"]))
        if data["type"] == "page":
            return cls("page", data["result_id"], data.get("cycle"), pushed_at, url=data["url"],
                       error=data.get("error"))
        if data["type"] != "fetch":
            raise ValueError(f"unknown result type {data['type']!r}")
        fetch = dict(data["fetch"])
        fetch["checked_at"] = parse_iso(fetch["checked_at"])
        content = data.get("content")
        if content is not None:
            content = dict(content)
            if content.get("raw_html"):
                content["raw_html"] = base64.b64decode(content["raw_html"])
            content = Content(**content)
        return cls("fetch", data["result_id"], data.get("cycle"), pushed_at, Fetch(**fetch), content)


@dataclass(frozen=True)
class Heartbeat:
    """A worker saying it is alive (kept WORKER_TTL seconds), for `newswatch status`."""

    worker: str  # host:pid
    started_at: str  # ISO times, to the second
    seen_at: str
    pushed: int = 0  # results pushed so far

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Heartbeat:
        return cls(**json.loads(text))


def _fetch_dict(fetch: Fetch) -> dict:
    fields = asdict(fetch)
    fields["checked_at"] = fetch.checked_at.isoformat()
    return fields


def _content_dict(content: Content | None) -> dict | None:
    if content is None:
        return None
    fields = {k: v for k, v in asdict(content).items() if k != "raw_html"}
    if content.raw_html:
        fields["raw_html"] = base64.b64encode(content.raw_html).decode("ascii")
    return fields
