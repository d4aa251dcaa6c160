"""WARC capture (ISO 28500) of fetches: rotating gzipped WARC files under archive/ beside the
database, written with warcio, safe against a crash mid-write and against parallel writers."""
from __future__ import annotations

import fcntl
import io
import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PREFIX = "newswatch"
STATE = ".state.json"  # the current file and where its last complete record ends
LOCK = ".lock"  # fcntl lock: one writer at a time, across the worker processes of a crawl
# Test-only: with this set to a path, the writer writes half of a capture, writes its pid to the
# path and waits, so that a test can kill -9 it in the middle of a write (tests/test_archive.py).
STALL_ENV = "NEWSWATCH_ARCHIVE_STALL"


@dataclass
class HttpExchange:
    """One HTTP request and its response as they went over the wire (body as received, still
    content-encoded), for the WARC `request` and `response` records."""

    url: str
    fetched_at: datetime
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    protocol: str = "HTTP/1.1"
    # `resource` records beside the response (URI, content type, bytes): a render's DOM and
    # screenshot (crawler/render.py)
    resources: list[tuple[str, str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Capture:
    """Where the records of one exchange are: file name under archive/, offset, length."""

    file: str
    offset: int
    length: int


def archive_folder(db_path: str | Path) -> Path:
    """archive/ beside the database file."""
    return Path(db_path).resolve().parent / "archive"


def exchange_records(exchange: HttpExchange) -> bytes:
    """The gzipped `response` record, then the `request` record concurrent to it (WARC/1.1)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    # WARC/1.1 allows sub-second dates (ISO 28500:2017 §5.4)
    date = exchange.fetched_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    reason = _reason(exchange.status)
    http = StatusAndHeaders(f"{exchange.status} {reason}".strip(), exchange.response_headers,
                            protocol=exchange.protocol)
    response = writer.create_warc_record(exchange.url, "response", payload=io.BytesIO(exchange.body),
                                         http_headers=http, warc_headers_dict={"WARC-Date": date})
    writer.write_record(response)
    target = _request_target(exchange.url)
    request_http = StatusAndHeaders(f"{exchange.method} {target} {exchange.protocol}",
                                    exchange.request_headers, is_http_request=True)
    request = writer.create_warc_record(exchange.url, "request", payload=io.BytesIO(b""),
                                        http_headers=request_http, warc_headers_dict={
                                            "WARC-Date": date,
                                            "WARC-Concurrent-To": response.rec_headers.get_header(
                                                "WARC-Record-ID")})
    writer.write_record(request)
    for uri, content_type, payload in exchange.resources:
        writer.write_record(writer.create_warc_record(
            uri, "resource", payload=io.BytesIO(payload), warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To":
                               response.rec_headers.get_header("WARC-Record-ID")}))
    return out.getvalue()


SCREENSHOTS = "screenshots"  # under archive/: one PNG per version that has one


def write_screenshot(db_path: str | Path, version_id: int, png: bytes) -> str:
    """Write a version's screenshot under archive/screenshots/ (a temp file fsynced, then
    renamed: never half a file); returns its name relative to archive/."""
    folder = archive_folder(db_path) / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{SCREENSHOTS}/v{version_id}.png"
    temp = folder / f".v{version_id}.png.tmp"
    with open(temp, "wb") as out:
        out.write(png)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, archive_folder(db_path) / name)
    return name


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class WarcWriter:
    """Appends captures to archive/newswatch-YYYYMMDD-NNNN.warc.gz; a new file each day and when
    the current one would pass `max_bytes`."""

    def __init__(self, folder: str | Path, max_bytes: int = 100 * 2**20):
        self.folder, self.max_bytes = Path(folder), max_bytes

    def write(self, exchanges: list[HttpExchange]) -> list[Capture]:
        """Write the exchanges' records, fsync them, and return where each one is. Only once this
        returns may a version point at them."""
        blobs = [exchange_records(e) for e in exchanges]
        with self._locked():
            name, end = self._current(sum(map(len, blobs)))
            path = self.folder / name
            with open(path, "ab") as out:
                captures = []
                for blob in blobs:
                    captures.append(Capture(name, end, len(blob)))
                    self._append(out, blob)
                    end += len(blob)
                out.flush()
                os.fsync(out.fileno())
            self._save_state(name, end)
        return captures

    def _append(self, out, blob: bytes) -> None:
        stall = os.environ.get(STALL_ENV)
        if not stall:
            out.write(blob)
            return
        out.write(blob[:len(blob) // 2])
        out.flush()
        os.fsync(out.fileno())
        Path(f"{stall}.tmp").write_text(str(os.getpid()))  # who to kill: the writing process
        os.replace(f"{stall}.tmp", stall)
        while True:  # the test kills the process here
            time.sleep(1)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _current(self, adding: int) -> tuple[str, int]:
        """The file to append to and its end, a partial record left by a crash cut off; a new
        file when the day changed or the current one would grow past the cap."""
        name, end = self._load_state()
        if name is not None:
            path = self.folder / name
            if path.exists() and path.stat().st_size > end:
                os.truncate(path, end)  # the tail after the last complete record: a crashed write
            today = datetime.now(timezone.utc).strftime("%Y%m%d")
            if name.startswith(f"{PREFIX}-{today}-") and (end == 0 or end + adding <= self.max_bytes):
                return name, end
        name = self._next_name()
        self._save_state(name, 0)  # before the first byte: a crash in it is cut off next time
        return name, 0

    def _next_name(self) -> str:
        today = datetime.now(timezone.utc).strftime("%Y%m%d")
        taken = [int(p.name.split("-")[2].split(".")[0]) for p in
                 self.folder.glob(f"{PREFIX}-{today}-*.warc.gz")]
        return f"{PREFIX}-{today}-{max(taken, default=0) + 1:04d}.warc.gz"

    def _load_state(self) -> tuple[str | None, int]:
        try:
            state = json.loads((self.folder / STATE).read_text())
            return state["file"], int(state["end"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None, 0

    def _save_state(self, name: str, end: int) -> None:
        temp = self.folder / f"{STATE}.tmp"
        temp.write_text(json.dumps({"file": name, "end": end}))
        os.replace(temp, self.folder / STATE)  # atomic: the state is the old one or the new one


def read_records(folder: str | Path, capture: Capture) -> bytes:
    """The raw (gzipped) bytes of a capture's records, as written."""
    with open(Path(folder) / capture.file, "rb") as stream:
        stream.seek(capture.offset)
        return stream.read(capture.length)


def read_response(folder: str | Path, capture: Capture) -> dict:
    """The capture's response record: target URI, date, payload digest, status and payload
    (decoded from its Content-Encoding), read back with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    for record in ArchiveIterator(io.BytesIO(read_records(folder, capture))):
        if record.rec_type == "response":
            return {"target_uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "date": record.rec_headers.get_header("WARC-Date"),
                    "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                    "status": int(record.http_headers.get_statuscode()),
                    "payload": record.content_stream().read()}
    raise ValueError(f"{capture.file} at {capture.offset}: no WARC response record")


class ExportFailed(RuntimeError):
    """The WACZ packer refused the selection."""


def export_captures(folder: str | Path, captures: Iterable[dict], output: str | Path,
                    fmt: str = "warc") -> int:
    """Pack the captures' records (rows of db.archives.selected_captures) into one WARC file, or a
    WACZ (the `wacz` package) of it; written to a temp file and renamed: never half a file."""
    import tempfile

    output = Path(output)
    # the temp folder is beside the output, so that the rename is atomic (same file system)
    with tempfile.TemporaryDirectory(prefix=f".{output.name}.", dir=output.parent) as work:
        temp = Path(work) / output.name
        warc = temp if fmt == "warc" else Path(work) / f"{output.stem}.warc.gz"
        count = _copy_records(folder, captures, warc, Path(work) / "pages.jsonl")
        if fmt == "wacz":
            _pack_wacz(warc, Path(work) / "pages.jsonl", temp, count)
        os.replace(temp, output)
    return count


def _copy_records(folder: str | Path, captures: Iterable[dict], warc: Path, pages: Path) -> int:
    """Each capture's gzip members, byte for byte (a gzip file may hold many members, RFC 1952),
    and the WACZ page list: one entry per version, at its capture's date."""
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with open(warc, "wb") as out, open(pages, "w", encoding="utf-8") as listing:
        listing.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Versions"}) + "\n")
        for row in captures:
            blob = read_records(folder, Capture(row["warc_file"], row["warc_offset"], row["warc_length"]))
            out.write(blob)
            record = next(r for r in ArchiveIterator(io.BytesIO(blob)) if r.rec_type == "response")
            listing.write(json.dumps({
                "url": record.rec_headers.get_header("WARC-Target-URI"),
                "ts": record.rec_headers.get_header("WARC-Date"),
                "title": f"v{row['version']}: {row.get('title') or row['url']}"}, ensure_ascii=False) + "\n")
            count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def _pack_wacz(warc: Path, pages: Path, output: Path, count: int) -> None:
    import contextlib
    import sys

    from wacz.main import main as wacz_main

    if count == 0:
        raise ExportFailed("no captured versions in the selection: nothing to pack into a WACZ")
    with contextlib.redirect_stdout(sys.stderr):  # its progress lines are not our output
        status = wacz_main(["create", "-o", str(output), "-p", str(pages), str(warc)])
    if status != 0:
        raise ExportFailed(f"wacz create exited {status} on {warc}")
