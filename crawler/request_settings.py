"""A source's own request settings (the sources file's `headers`, `user_agent`, `cookies`), read
and checked once, and applied by every HTTP path: Scrapy (crawler.middlewares) and the re-check
probe (crawler/recheck/probe.py). Values are the user's secrets: nothing here logs, prints or stores one."""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from crawler.sources import Source

# Headers a source may not set, and why: the connection's own (RFC 9110 §7.6.1 hop-by-hop,
# RFC 9112 §6 message framing), and those newswatch sets itself or that have a key of their own.
FORBIDDEN_HEADERS = {
    "host": "the URL names the host",
    "content-length": "the HTTP client frames each message itself (RFC 9112 §6)",
    "transfer-encoding": "the HTTP client frames each message itself (RFC 9112 §6)",
    "connection": "a hop-by-hop header, the HTTP client's own (RFC 9110 §7.6.1)",
    "keep-alive": "a hop-by-hop header, the HTTP client's own (RFC 9110 §7.6.1)",
    "proxy-connection": "a hop-by-hop header, the HTTP client's own (RFC 9110 §7.6.1)",
    "te": "a hop-by-hop header, the HTTP client's own (RFC 9110 §7.6.1)",
    "trailer": "a hop-by-hop header, the HTTP client's own (RFC 9110 §7.6.1)",
    "upgrade": "a hop-by-hop header, the HTTP client's own (RFC 9110 §7.6.1)",
    "proxy-authorization": "set the proxy's credentials in http_proxy / https_proxy",
    "cookie": "use the source's `cookies` key (a table or a cookies.txt file)",
    "user-agent": "use the source's `user_agent` key",
    "if-none-match": "newswatch sends each article's validators itself (RFC 9110 §13.1)",
    "if-modified-since": "newswatch sends each article's validators itself (RFC 9110 §13.1)",
    "accept-encoding": "newswatch asks for the encodings it can decode",
    "referer": "Scrapy sets it per link, and writes it in its log",
}
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # a header or cookie name (RFC 9110 §5.6.2)
_COOKIE_VALUE = re.compile(r'^"?[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"?$')  # RFC 6265 §4.1.1
_FIELD_VALUE = re.compile(r"^[\x20-\x7e\x80-\xff\t]*$")  # no CR, LF or NUL: no header injection
# Request meta key: the names of the headers a request carries from its source's settings, so
# that a request written anywhere (the distributed frontier in Redis) can be written without them.
ADDED_HEADERS = "newswatch_source_headers"
COOKIES_TXT_FIX = "export them again from the browser as a Netscape cookies.txt file"


class CookiesFileError(ValueError):
    """A cookies.txt that cannot be used: `why` names what is wrong, never a cookie's value."""

    def __init__(self, path: Path, why: str, line: int | None = None):
        super().__init__(f"{path}" + (f" line {line}" if line else "") + f": {why}")
        self.path, self.line, self.why = path, line, why


@dataclass(frozen=True)
class SourceCookie:
    """A cookie a source's requests carry: sent to `domain` (and its subdomains, if
    `subdomains`) on paths under `path`, until `expires` (a Unix time; None: no end)."""

    name: str
    value: str = field(repr=False)
    domain: str
    subdomains: bool = True
    path: str = "/"
    secure: bool = False
    expires: int | None = None

    def goes_to(self, scheme: str, host: str, path: str, now: float) -> bool:
        """RFC 6265 §5.4: domain-match, path-match, secure only over https, not expired."""
        on_domain = host == self.domain or (self.subdomains and host.endswith("." + self.domain))
        on_path = path == self.path or path.startswith(self.path.rstrip("/") + "/")
        return on_domain and on_path and (not self.secure or scheme == "https") and \
            (self.expires is None or self.expires > now)


def request_headers(source: Source, url: str) -> dict[str, str]:
    """The headers a request of `source` for `url` adds to newswatch's own: the source's
    `headers`, its `user_agent`, and a Cookie header of its cookies for that URL."""
    headers = dict(source.headers)
    if source.user_agent:
        headers["User-Agent"] = source.user_agent
    cookie = cookie_header(source.cookies, url) if source.cookies else None
    if cookie:
        headers["Cookie"] = cookie
    return headers


def without_added_headers(request: dict) -> dict:
    """A request as a dict (Scrapy's request_to_dict) less the headers its source added: a
    retried or redirected copy carries them, and the worker that fetches it adds them again."""
    names = {n.lower() for n in request.get("meta", {}).pop(ADDED_HEADERS, ())}
    headers = request.get("headers") or {}
    for key in [k for k in headers if (k.decode("latin-1") if isinstance(k, bytes) else k).lower()
                in names]:
        del headers[key]
    return request


def cookie_header(cookies: Iterable[SourceCookie], url: str, now: float | None = None) -> str | None:
    """The Cookie header for `url` (RFC 6265 §5.4: longer paths first, each name and path once)."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    now = time.time() if now is None else now
    chosen: dict[tuple[str, str], SourceCookie] = {}
    for cookie in sorted(cookies, key=lambda c: -len(c.path)):
        if cookie.goes_to(parts.scheme, host, path, now):
            chosen.setdefault((cookie.name, cookie.path), cookie)
    return "; ".join(f"{c.name}={c.value}" for c in chosen.values()) or None


def checked_headers(table: object) -> tuple[tuple[str, str], ...]:
    """`headers = {"X-Name" = "value"}` as pairs; ValueError says which one is wrong and why."""
    if not isinstance(table, dict):
        raise ValueError('must be a table of header name = value, e.g. {"X-Subscriber" = "…"}')
    pairs = []
    for name, value in table.items():
        if not _TOKEN.match(name):
            raise ValueError(f"{name!r} is not a header name (letters, digits and -)")
        if name.lower() in FORBIDDEN_HEADERS:
            raise ValueError(f"{name!r} cannot be set here ({FORBIDDEN_HEADERS[name.lower()]})")
        if not isinstance(value, str) or not _FIELD_VALUE.match(value):
            raise ValueError(f"the value of {name!r} must be a string on one line, without "
                             "control characters")
        pairs.append((name, value))
    return tuple(pairs)


def table_cookies(table: dict, hosts: Iterable[str]) -> tuple[SourceCookie, ...]:
    """`cookies = {consent = "yes"}`: each cookie for every host of the source and its subdomains."""
    for name, value in table.items():
        if not _TOKEN.match(name):
            raise ValueError(f"{name!r} is not a cookie name (letters, digits and -_.)")
        if not isinstance(value, str) or not _COOKIE_VALUE.match(value):
            raise ValueError(f"the value of cookie {name!r} must be a string without spaces, "
                             "quotes inside, commas, semicolons or backslashes (RFC 6265 §4.1.1)")
    return tuple(SourceCookie(name, value, host) for host in hosts for name, value in table.items())


def file_cookies(path: Path, hosts: Iterable[str]) -> tuple[SourceCookie, ...]:
    """The unexpired cookies of a Netscape cookies.txt for the source's `hosts`; a cookie for a
    wider domain is narrowed to the source's host, one for another site is left out."""
    jar, now = _load_jar(path), time.time()
    hosts = tuple(hosts)
    out: dict[tuple, SourceCookie] = {}
    for c in jar:
        # curl and browser add-ons write expiry 0 for a session cookie: kept, as one
        expires = c.expires or None
        if expires is not None and expires <= now:
            continue
        domain = c.domain.lstrip(".").lower()
        for host in hosts:
            if domain == host or domain.endswith("." + host):  # within the source's: as it is
                sent_to, subdomains = domain, c.domain_initial_dot
            elif c.domain_initial_dot and host.endswith("." + domain):  # wider: the source's
                sent_to, subdomains = host, True
            else:
                continue
            cookie = SourceCookie(c.name, c.value or "", sent_to, subdomains, c.path or "/",
                                  bool(c.secure), expires)
            out[(cookie.name, cookie.domain, cookie.path)] = cookie
    return tuple(out.values())


def _load_jar(path: Path):
    """The file read by the standard library's MozillaCookieJar, after our own check of each
    line (its errors quote the line, which holds a cookie's value, and warn a traceback)."""
    from http.cookiejar import LoadError, MozillaCookieJar

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CookiesFileError(path, f"no such file ({COOKIES_TXT_FIX}, or fix the path: a "
                                     "relative one is relative to the sources file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CookiesFileError(path, f"cannot read it ({type(exc).__name__}; {COOKIES_TXT_FIX})") from None
    for number, line in enumerate(lines, 1):
        why = _bad_line(line, number)
        if why:
            raise CookiesFileError(path, f"{why} ({COOKIES_TXT_FIX})", number)
    jar = MozillaCookieJar(str(path))
    try:  # a session cookie was exported on purpose: kept; file_cookies skips the expired ones
        jar.load(ignore_discard=True, ignore_expires=True)
    except (LoadError, OSError, ValueError):
        raise CookiesFileError(path, f"not a Netscape cookies.txt file ({COOKIES_TXT_FIX})") from None
    return jar


def _bad_line(line: str, number: int) -> str | None:
    """What is wrong with one line of a cookies.txt (curl's and browsers' format), or None."""
    if number == 1:
        return None if re.match(r"#( Netscape)? HTTP Cookie File", line) else \
            "does not start with '# Netscape HTTP Cookie File'"
    line = line.removeprefix("#HttpOnly_")  # curl's mark of an HttpOnly cookie
    if not line.strip() or line.lstrip().startswith(("#", "$")):
        return None
    fields = line.split("\t")
    if len(fields) != 7:
        return (f"{len(fields)} tab-separated field(s), but a cookie line has 7 (domain, "
                "include-subdomains, path, secure, expiry, name, value)")
    domain, subdomains, _, secure, expires, _, _ = fields
    if subdomains not in ("TRUE", "FALSE") or secure not in ("TRUE", "FALSE"):
        return "the include-subdomains and secure fields must be TRUE or FALSE"
    if (subdomains == "TRUE") != domain.startswith("."):
        return "include-subdomains TRUE goes with a domain that starts with '.', FALSE without"
    if expires and not expires.isdigit():
        return "the expiry field must be a Unix time (whole seconds) or empty"
    if not all(_FIELD_VALUE.match(f) for f in fields):
        return "control characters in a field"
    return None
