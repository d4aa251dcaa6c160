"""A hostile web server for tests: raw sockets on 127.0.0.1, so that it can lie.

DemoServer speaks correct HTTP; the web does not. Each route here writes its own bytes to the
socket — a Content-Length larger than the body, a byte a second, compression bombs, entity
bombs — and every request is logged (method, path, Host header) so a test can prove what the
crawler did *not* ask for (an external entity, another host, a loop that never ends).
"""
from __future__ import annotations

import functools
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import brotli

MiB = 1 << 20
# The marker a local file holds; an XXE that worked would carry it into the database.
XXE_MARKER = "XXE-MARKER-7f3c1e"


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    host: str
    user_agent: str = ""


Writer = Callable[[socket.socket], None]


def response(status: int = 200, body: bytes = b"", headers: dict | None = None, *,
             length: int | None = None) -> bytes:
    """A complete HTTP/1.1 answer; `length` overrides (lies about) the Content-Length."""
    head = {"Connection": "close", "Content-Length": str(len(body) if length is None else length)}
    head.update(headers or {})
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in head.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class HostileServer:
    """Serves `routes` (path -> bytes to send, or a function that writes to the socket)."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes | Writer] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address) -> None:  # clients hang up: fine
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        lines = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        host = next((line.split(":", 1)[1].strip() for line in lines[1:]
                     if line.lower().startswith("host:")), "")
        agent = next((line.split(":", 1)[1].strip() for line in lines[1:]
                      if line.lower().startswith("user-agent:")), "")
        with self._lock:
            self.hits.append(Hit(method, path, host, agent))
        route = self.routes.get(path)
        if route is None:
            sock.sendall(response(404, b"not here", {"Content-Type": "text/plain"}))
        elif callable(route):
            route(sock)
        else:
            sock.sendall(route)

    def paths(self) -> list[str]:
        with self._lock:
            return [h.path for h in self.hits]


# -- pages and bodies --------------------------------------------------------------------------
def article_html(n: int) -> bytes:
    """A plain, honest article the cleaner keeps (headline, byline, six paragraphs)."""
    paragraphs = b"".join(
        b"<p>The council voted on Tuesday to approve harbour plan %d, which residents and officials"
        b" had debated for %d months before the final reading.</p>" % (n, i) for i in range(6))
    return (b"<html><head><title>Story %d</title></head><body><article><h1>Harbour plan %d is "
            b"approved after a long debate</h1><p class=byline>By Ann Lee</p>%s</article></body>"
            b"</html>" % (n, n, paragraphs))


def html(body: bytes, **headers) -> bytes:
    return response(200, body, {"Content-Type": "text/html; charset=utf-8", **headers})


@functools.lru_cache(maxsize=None)
def gzip_bomb(size: int = 1 << 30) -> bytes:
    """`size` zero bytes gzip-compressed (1 GiB -> about 1 MB, a 1000:1 ratio)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MiB)
    return b"".join(compressor.compress(zeros) for _ in range(size // MiB)) + compressor.flush()


@functools.lru_cache(maxsize=None)
def brotli_bomb(size: int = 4 << 30) -> bytes:
    """`size` zero bytes brotli-compressed (4 GiB -> under a megabyte)."""
    compressor = brotli.Compressor(quality=1)
    zeros = bytes(16 * MiB)
    return b"".join(compressor.process(zeros) for _ in range(size // (16 * MiB))) + compressor.finish()


@functools.lru_cache(maxsize=None)
def zstd_bomb(size: int = 1 << 30) -> bytes:
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd
    compressor = zstd.ZstdCompressor()
    zeros = bytes(16 * MiB)
    return b"".join(compressor.compress(zeros) for _ in range(size // (16 * MiB))) + compressor.flush()


def drip(seconds: int = 20) -> Writer:
    """Headers, then one byte a second (bounded: `seconds` bytes at most), past any timeout."""
    def write(sock: socket.socket) -> None:
        sock.sendall(response(200, b"", {"Content-Type": "text/html"}, length=seconds))
        for _ in range(seconds):
            time.sleep(1)
            sock.sendall(b"<")
    return write


def truncated(body: bytes, claimed: int) -> Writer:
    """Says Content-Length `claimed`, sends `body` (shorter) and closes."""
    def write(sock: socket.socket) -> None:
        sock.sendall(response(200, body, {"Content-Type": "text/html; charset=utf-8"}, length=claimed))
        sock.shutdown(socket.SHUT_RDWR)
    return write


def streamed(total: int, *, declared: bool = False,
             chunk: bytes = b"<p>word word word word</p>" * 40) -> Writer:
    """A body of `total` bytes, with its Content-Length when `declared`, else none (it ends
    when the connection closes)."""
    def write(sock: socket.socket) -> None:
        length = f"Content-Length: {total}\r\n" if declared else ""
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                     + length.encode() + b"\r\n")
        sent = 0
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client gave up: what we want
    return write


def billion_laughs(root: str, inner: str) -> bytes:
    """XML whose entity &lol9; expands to 10^9 'lol's."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(entities) + "\n]>\n"
            + inner.replace("LAUGH", "&lol9;")).encode()


def xxe(root: str, inner: str, file: Path, probe_url: str) -> bytes:
    """XML with an external entity on a local file and one on an HTTP URL we log."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n<!ENTITY xxe SYSTEM "{file.as_uri()}">\n'
            f'<!ENTITY probe SYSTEM "{probe_url}">\n]>\n' + inner).encode()


def rss(items: list[str], extra_title: str = "News") -> str:
    body = "".join(f"<item><title>{t}</title><link>{u}</link></item>" for u, t in items)
    return f'<rss version="2.0"><channel><title>{extra_title}</title>{body}</channel></rss>'


def urlset(locs: list[str]) -> str:
    return ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in locs) + "</urlset>")


def sitemapindex(locs: list[str]) -> str:
    return ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs) + "</sitemapindex>")
