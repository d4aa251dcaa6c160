"""HTTP server for the demo site: files as they are on disk, validators, 304s and test overrides."""
from __future__ import annotations

import email.utils
import hashlib
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit


class RequestLog(NamedTuple):
    """One request the server answered (status 0 = connection reset on purpose)."""

    method: str
    path: str
    headers: dict
    status: int
    bytes_sent: int
    arrived: float = 0.0  # time.monotonic() when the request was read, and when it was answered
    answered: float = 0.0


@dataclass(frozen=True)
class Route:
    """Per-URL behaviour override set by tests."""

    status: int | None = None
    body: bytes | None = None
    headers: dict | None = None
    delay: float = 0.0
    redirect: str | None = None
    reset: bool = False


def content_type(path: Path, data: bytes) -> str:
    """Content-Type from the file name, telling RSS from Atom by the root element."""
    suffix = path.suffix.lower()
    if suffix == ".xml":
        start = data[:400]
        return ("application/rss+xml" if b"<rss" in start else
                "application/atom+xml" if b"<feed" in start else "application/xml")
    return {".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
            ".json": "application/json", ".css": "text/css", ".js": "application/javascript"}.get(
        suffix, "application/octet-stream")


def etag_of(data: bytes) -> str:
    """Strong ETag from the content hash."""
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses weak comparison (RFC 9110 13.1.2)."""
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag.removeprefix("W/") in tags


def not_modified_since(header: str, mtime: float) -> bool:
    """True when the file has not changed since the If-Modified-Since date."""
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    return since is not None and since.tzinfo is not None and int(mtime) <= since.timestamp()


class Handler(BaseHTTPRequestHandler):
    """Serves one connection for DemoServer."""

    protocol_version = "HTTP/1.1"
    server_version = "DemoDaily/1.0"
    demo: "DemoServer"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:
        self.answer(head_only=False)

    def do_HEAD(self) -> None:
        self.answer(head_only=True)

    def answer(self, head_only: bool) -> None:
        """Route override if any, else the file on disk."""
        self.arrived = time.monotonic()
        route = self.demo.route_for(self.path)
        if route and route.delay:
            time.sleep(route.delay)
        if route and route.reset:
            self.reset_connection()
        elif route and (route.redirect or route.status or route.body is not None):
            self.send_override(route, head_only)
        else:
            self.send_file(head_only, route.headers if route else None)

    def reset_connection(self) -> None:
        """Close the socket without answering (RST)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()
        self.record(0, 0)

    def send_override(self, route: Route, head_only: bool) -> None:
        """Answer with the route's status, body, headers or redirect."""
        status = route.status or (301 if route.redirect else 200)
        body = route.body if route.body is not None else self.status_page(status)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if route.redirect:
            headers["Location"] = route.redirect
        headers.update(route.headers or {})
        self.send(status, headers, body, head_only)

    @staticmethod
    def status_page(status: int) -> bytes:
        """A tiny HTML page for an error or redirect status."""
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Status"
        return f"<!DOCTYPE html><html><head><title>{status} {phrase}</title></head><body><h1>{status} {phrase}</h1></body></html>\n".encode()

    def send_file(self, head_only: bool, extra: dict | None) -> None:
        """The file as it is on disk now, with validators and conditional requests."""
        path = self.demo.file_for(self.path)
        if path is None:
            return self.send(403, {"Content-Type": "text/html; charset=utf-8"}, self.status_page(403), head_only)
        try:
            with open(path, "rb") as file:
                data, mtime = file.read(), os.fstat(file.fileno()).st_mtime
        except OSError:
            return self.send(404, {"Content-Type": "text/html; charset=utf-8"}, self.status_page(404), head_only)
        headers = {"Content-Type": content_type(path, data)}
        if self.demo.validators:
            etag = etag_of(data)
            headers["ETag"] = etag
            headers["Last-Modified"] = email.utils.formatdate(mtime, usegmt=True)
            if self.is_not_modified(etag, mtime):
                headers.update(extra or {})
                return self.send(304, headers, b"", head_only=True, length=False)
        headers.update(extra or {})
        self.send(200, headers, data, head_only)

    def is_not_modified(self, etag: str, mtime: float) -> bool:
        """RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag_matches(if_none_match, etag)
        if_modified_since = self.headers.get("If-Modified-Since")
        return if_modified_since is not None and not_modified_since(if_modified_since, mtime)

    def send(self, status: int, headers: dict, body: bytes, head_only: bool, length: bool = True) -> None:
        """Log the request, then write status line, headers and (unless HEAD/304) the body."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.record(status, 0 if head_only else len(body))  # logged before the client can see the answer
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def record(self, status: int, sent: int) -> None:
        """Add this request to the server's log."""
        self.demo.log(RequestLog(self.command, self.path, dict(self.headers.items()), status, sent,
                                 getattr(self, "arrived", 0.0), time.monotonic()))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:  # quiet: clients hang up, tests reset
        pass


class DemoServer:
    """Serves a generated demo site from `root` on a background thread."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, *, validators: bool = True):
        self.root = Path(root)
        self.host, self.port = host, port
        self.validators = validators
        self.base_url = ""
        self.requests: list[RequestLog] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "DemoServer":
        """Bind and start serving; sets base_url and port."""
        handler = type("BoundHandler", (Handler,), {"demo": self})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"demosite-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, path: str) -> str:
        """Absolute URL for a site path."""
        return self.base_url + path

    def set_route(self, path: str, *, status: int | None = None, body: bytes | None = None,
                  headers: dict | None = None, delay: float = 0.0, redirect: str | None = None,
                  reset: bool = False) -> None:
        """Override how one URL path (optionally with its query) is answered."""
        with self._lock:
            self._routes[path] = Route(status, body, headers, delay, redirect, reset)

    def clear_routes(self) -> None:
        """Drop every override."""
        with self._lock:
            self._routes.clear()

    def clear_requests(self) -> None:
        """Forget logged requests."""
        with self._lock:
            self.requests.clear()

    def log(self, entry: RequestLog) -> None:
        """Append to the request log (thread-safe)."""
        with self._lock:
            self.requests.append(entry)

    def route_for(self, target: str) -> Route | None:
        """The override for a request target: exact match first, then the path without query."""
        with self._lock:
            return self._routes.get(target) or self._routes.get(urlsplit(target).path)

    def file_for(self, target: str) -> Path | None:
        """The file under root for a request target; None if it escapes root."""
        raw = unquote(urlsplit(target).path)
        if "\x00" in raw or "\\" in raw or any(part == ".." for part in raw.split("/")):
            return None
        root = self.root.resolve()
        path = (root / raw.lstrip("/")).resolve()
        if not path.is_relative_to(root):
            return None
        return path / "index.html" if path.is_dir() else path
