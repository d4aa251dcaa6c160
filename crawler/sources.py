"""Load and validate the sources file (TOML) into frozen dataclasses; errors name file, line, key and fix."""
from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # imported only for a sources file that names a parser (it loads the cleaner)
    from crawler.request_settings import SourceCookie
    from crawler.site_parsers import SiteParser

DURATION_HINT = "use e.g. '90s', '15m', '2h', '1d' or '1h30m'"
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class SourceConfigError(ValueError):
    """A sources file that cannot be used; the message is one line naming file, key and fix."""

    def __init__(self, path: Path | str, why: str, *, key: str | None = None, line: int | None = None):
        where = f"{path}" + (f" line {line}" if line else "") + (f": {key}" if key else "")
        super().__init__(f"{where}: {why}")
        self.path, self.key, self.line, self.why = path, key, line, why


@dataclass(frozen=True)
class Tier:
    """Articles younger than `younger_than` seconds are re-checked every `every` seconds."""

    younger_than: int
    every: int


DEFAULT_TIERS = (Tier(3 * 3600, 15 * 60), Tier(86400, 3600), Tier(7 * 86400, 6 * 3600),
                 Tier(30 * 86400, 86400))  # older than the last tier: no more checks


@dataclass(frozen=True)
class Source:
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    article_pattern: str | None = None
    discover_every: int = 1800
    drop_selectors: tuple[str, ...] = ()
    body_selector: str | None = None
    # Notifications: Apprise URLs, and filters that override [settings] (None: inherit).
    notify: tuple[str, ...] = ()
    notify_fields: tuple[str, ...] | None = None
    notify_min_words: int | None = None
    notify_skip_minor: bool | None = None
    notify_stealth_only: bool | None = None
    max_crawl_time: int | None = None  # seconds; None: [settings] max_crawl_time
    max_new_per_discovery: int | None = None  # None: [settings] max_new_per_discovery
    # Front pages: the start URLs whose article placements are recorded (default: all of them),
    # each read this many times in a row per discovery, without cookies, to see headline tests.
    fronts: tuple[str, ...] | None = None
    front_samples: int = 2
    parser: SiteParser | None = None  # `parser = "module:function"`, imported at load
    archive: str | None = None  # "warc" or "none" (docs/archives.md); None: [settings] archive
    live_selector: str | None = None  # CSS naming a live blog's entry elements
    save_page_now: bool | None = None  # None: [settings] save_page_now
    # What this source's requests carry (crawler/request_settings.py); the user's secrets: never
    # in a repr, a log line or the database.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    user_agent: str | None = None  # None: [settings] user_agent
    cookies: tuple[SourceCookie, ...] = field(default=(), repr=False)
    # Browser rendering (crawler/render.py, docs/rendering.md): "never", "auto" or "always";
    # screenshots None: those of rendered pages only (see Config.takes_screenshots).
    render: str = "auto"
    screenshots: bool | None = None

    @property
    def front_urls(self) -> tuple[str, ...]:
        return self.start_urls if self.fronts is None else self.fronts

    def is_article_url(self, url: str) -> bool:
        """On an allowed domain, http(s), and matching `article_pattern` when one is set."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not self.on_allowed_domain(parts.hostname or ""):
            return False
        return self.article_pattern is None or user_pattern(self.article_pattern).search(url) is not None

    def on_allowed_domain(self, host: str) -> bool:
        host = host.lower()  # no domains allows no host (load_config never makes such a Source)
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


@dataclass(frozen=True)
class Config:
    path: Path
    sources: tuple[Source, ...] = ()
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    recheck_every: int = 300
    gone_after: int = 2  # consecutive 404/410 before an article is `gone`
    suspect_confirmations: int = 2  # identical suspect fetches before they become a version
    download_timeout: int = 30  # seconds
    user_agent: str = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"
    extra: dict = field(default_factory=dict, compare=False)
    # Scheduling limits; defaults and meaning in LIMIT_SETTINGS and the README.
    max_crawls: int = 2
    concurrent_per_domain: int = 4
    requests_per_second: float = 20.0
    max_checks_per_run: int = 2000
    max_checks_per_domain: int = 500
    workers: int | None = None  # crawl processes per crawl; None: one per core
    keep_html: bool = False  # store each version's page, compressed, for `newswatch reclean`
    # Notifications: targets for every source, the default filter, diff links' base URL.
    notify: tuple[str, ...] = ()
    notify_fields: tuple[str, ...] = ("title", "byline", "body", "published")
    notify_min_words: int = 0
    notify_skip_minor: bool = False
    notify_stealth_only: bool = False  # only edits labelled stealth (no notice, no new modified date)
    public_url: str | None = None
    redis: str | None = None  # The Redis of distributed crawling (redis://host:port/db)
    max_crawl_time: int = 6 * 3600  # seconds a crawl may run before it stops (per source too)
    max_new_per_discovery: int = 300  # new articles one discovery fetches per source (per source too)
    # Web archives of `newswatch backfill` (CDX endpoints; none: the Internet Archive's) and
    # the pace of our requests to each.
    archives: tuple[str, ...] = ()
    archive_requests_per_second: float = 1.0
    # WARC capture of the fetches that made a version (crawler/archive.py, docs/archives.md).
    archive: str = "none"
    archive_all_fetches: bool = False  # every 200, not only those that made a version
    archive_max_mb: int = 100  # a WARC file is closed when it would grow past this size
    # Save Page Now (crawler/save_page_now.py, docs/archives-wayback.md): each new version's URL
    # submitted to a web archive; per_minute None: the archive's published limit.
    save_page_now: bool = False
    save_page_now_endpoint: str = "https://web.archive.org/save"
    save_page_now_per_minute: int | None = None
    save_page_now_keys_file: str | None = None  # relative to the sources file's folder

    def saves_pages(self, source: Source) -> bool:
        """Whether new versions of `source` are submitted to Save Page Now."""
        return self.save_page_now if source.save_page_now is None else source.save_page_now
    # Browser rendering (crawler/render.py): the browser (None: the one on PATH), pages at once,
    # seconds a page may take, and screenshots of every source's new versions.
    browser: str | None = None
    browser_pages: int = 2
    render_timeout: int = 30
    screenshots: bool | None = None
    browser_block: tuple[str, ...] = ("image", "font", "media")  # Playwright resource types

    def captures_warc(self, source: Source) -> bool:
        """Whether the fetches of `source` are captured in WARC files."""
        return (source.archive or self.archive) == "warc"

    def browser_path(self) -> str | None:
        """The browser that renders pages: [settings] browser, else chromium found on PATH."""
        return self.browser or find_browser()

    def takes_screenshots(self, source: Source, rendered: bool) -> bool:
        """A screenshot of a new version: the source's choice, else [settings], else only of
        rendered pages."""
        chosen = source.screenshots if source.screenshots is not None else self.screenshots
        return rendered if chosen is None else chosen

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise SourceConfigError(self.path, f"no source named {name!r} (known: {known})")

    def crawl_time_limit(self, names: Sequence[str] = ()) -> int:
        """Seconds a crawl of sources `names` (all: none given) may run: the longest of theirs,
        so that no source is cut short by another's."""
        selected = [self.source(n) for n in names] or list(self.sources)
        return max((s.max_crawl_time or self.max_crawl_time for s in selected),
                   default=self.max_crawl_time)

    def new_per_discovery(self, source: Source) -> int:
        """New article URLs one discovery of `source` fetches; the rest wait for the next one."""
        return source.max_new_per_discovery or self.max_new_per_discovery


@functools.lru_cache(maxsize=256)
def user_pattern(pattern: str):
    """A sources file's regular expression, compiled by RE2: it matches in time linear in the
    text, whatever the pattern; Python's backtracking `re` takes exponential time on patterns
    such as '(a+)+$' and would hang the crawl (no backreferences or lookarounds in RE2)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is ours to report, in one line
    return re2.compile(pattern, options)


BROWSER_NAMES = ("chromium", "chromium-browser")  # Debian's and Ubuntu's names
INSTALL_BROWSER = "apt-get install chromium"


def find_browser() -> str | None:
    """The chromium on PATH, or None."""
    import shutil

    return next((found for name in BROWSER_NAMES if (found := shutil.which(name))), None)


def parse_duration(text: object) -> int:
    """'1h30m' -> 5400 seconds; ValueError when it is not a duration."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"{text!r} is not a duration")
    if isinstance(text, int):
        if text <= 0:
            raise ValueError(f"{text!r} is not a positive duration")
        return text
    compact = text.strip().lower()
    if not compact or _DURATION.sub("", compact).strip():
        raise ValueError(f"{text!r} is not a duration")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(compact))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds


def format_duration(seconds: int) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


SOURCE_KEYS = {"name", "feeds", "sitemaps", "start_urls", "allowed_domains", "article_pattern",
               "discover_every", "drop_selectors", "body_selector", "fronts", "front_samples"}
SOURCE_KEYS |= {"live_selector"}
SETTINGS_KEYS = {"tiers", "recheck_every", "user_agent", "gone_after", "suspect_confirmations",
                 "download_timeout"}
_COUNT_SETTINGS = ("gone_after", "suspect_confirmations")
_LIST_KEYS = ("feeds", "sitemaps", "start_urls", "allowed_domains", "drop_selectors")
_URL_KEYS = ("feeds", "sitemaps", "start_urls")
# [settings] limits: key -> (lowest allowed, highest allowed, whole number?)
LIMIT_SETTINGS = {"max_crawls": (1, 64, True), "concurrent_per_domain": (1, 64, True),
                  "requests_per_second": (0.01, 10_000, False),
                  "max_checks_per_run": (1, 1_000_000, True), "max_checks_per_domain": (1, 1_000_000, True),
                  "workers": (1, 64, True)}
SETTINGS_KEYS = SETTINGS_KEYS | set(LIMIT_SETTINGS) | {"keep_html"}
# Notifications: in [settings] and in each [[source]]; `public_url` only in [settings].
NOTIFY_KEYS = {"notify", "notify_fields", "notify_min_words", "notify_skip_minor",
               "notify_stealth_only"}
NOTIFY_FIELDS = ("title", "byline", "body", "published")
SOURCE_KEYS = SOURCE_KEYS | NOTIFY_KEYS
SOURCE_KEYS = SOURCE_KEYS | {"parser"}  # a site parser, "module:function" (docs/site-parsers.md)
SETTINGS_KEYS = SETTINGS_KEYS | NOTIFY_KEYS | {"public_url"}
SETTINGS_KEYS = SETTINGS_KEYS | {"redis"}  # distributed crawling
# A wall-clock limit on every crawl, in [settings] and in each [[source]].
SETTINGS_KEYS, SOURCE_KEYS = SETTINGS_KEYS | {"max_crawl_time"}, SOURCE_KEYS | {"max_crawl_time"}
# A cap on the new articles of one discovery (a section page of 200,000 links), in both too.
LIMIT_SETTINGS["max_new_per_discovery"] = (1, 1_000_000, True)
SETTINGS_KEYS = SETTINGS_KEYS | {"max_new_per_discovery"}
SOURCE_KEYS = SOURCE_KEYS | {"max_new_per_discovery"}
SETTINGS_KEYS = SETTINGS_KEYS | {"archives", "archive_requests_per_second"}  # newswatch backfill
ARCHIVE_MODES = ("warc", "none")
SOURCE_KEYS = SOURCE_KEYS | {"archive"}
SETTINGS_KEYS = SETTINGS_KEYS | {"archive", "archive_all_fetches", "archive_max_mb"}
SPN_SETTINGS = {"save_page_now", "save_page_now_endpoint", "save_page_now_per_minute",
                "save_page_now_keys_file"}
SETTINGS_KEYS, SOURCE_KEYS = SETTINGS_KEYS | SPN_SETTINGS, SOURCE_KEYS | {"save_page_now"}
# Keys people may try for an archive's credentials: one line that says where they go instead.
CREDENTIAL_KEY = re.compile(r"(^|_)(access|secret)(_?key)?$|(^|_)(keys|password|token|credentials)$")
SOURCE_KEYS = SOURCE_KEYS | {"headers", "user_agent", "cookies"}  # crawler/request_settings.py
RENDER_MODES = ("never", "auto", "always")  # browser rendering (docs/rendering.md)
SOURCE_KEYS = SOURCE_KEYS | {"render", "screenshots"}
SETTINGS_KEYS = SETTINGS_KEYS | {"browser", "browser_pages", "render_timeout", "screenshots"}
SETTINGS_KEYS = SETTINGS_KEYS | {"browser_block"}
# The resource types of Playwright's Request.resource_type that browser_block may name.
RESOURCE_TYPES = ("document", "stylesheet", "image", "media", "font", "script", "texttrack", "xhr",
                  "fetch", "eventsource", "websocket", "manifest", "other")


def load_config(path: str | Path) -> Config:
    """Read and validate `path`; raises SourceConfigError with a one-line message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceConfigError(path, "no such file (create it, see docs/sources.md, "
                                      "or pass --sources / set NEWSWATCH_SOURCES)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceConfigError(path, f"cannot read it ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line N, column M)"
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"line {found.group(1)}: " if found else ""
        shown = text.splitlines()[int(found.group(1)) - 1].strip()[:80] if found and \
            int(found.group(1)) <= len(text.splitlines()) else ""
        raise SourceConfigError(path, f"{where}not valid TOML: {exc}"
                                + (f" in `{shown}`" if shown else "")) from None
    locate = _Locator(path, text)
    unknown = set(data) - {"source", "settings"}
    if unknown:
        key = sorted(unknown)[0]
        raise locate.error("unknown top-level key (allowed: [[source]] tables and [settings])",
                           key, None)
    settings = _load_settings(data.get("settings", {}), locate)
    sources = _load_sources(data.get("source", []), locate)
    config = Config(path=path, sources=sources, **settings)
    _check_browser(config, locate)
    return config


class _Locator:
    """Finds the line of a key so that errors can point at it (tomllib gives no positions)."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.splitlines()

    def line_of(self, key: str, table: str | None, index: int | None) -> int | None:
        start, seen = 0, -1
        if table is not None:
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?")
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if index is None or seen == index:
                        start = number
                        break
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, len(self.lines)):
            if pattern.match(self.lines[number]):
                return number + 1
        return start + 1 if table is not None else None

    def error(self, why: str, key: str, table: str | None, index: int | None = None,
              label: str | None = None) -> SourceConfigError:
        shown = f"[[{table}]] {label!r} key {key!r}" if label else (f"[{table}] key {key!r}" if table
                                                                  else f"key {key!r}")
        return SourceConfigError(self.path, why, key=shown, line=self.line_of(key, table, index))


def unknown_key(key: str, allowed: set[str]) -> str:
    """'unknown key; did you mean 'feeds'? (allowed: …)' — the near miss first."""
    import difflib

    near = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown key{hint} (allowed: {', '.join(sorted(allowed))})"


def _load_settings(raw: object, locate: _Locator) -> dict:
    if not isinstance(raw, dict):
        raise locate.error("must be a table: [settings]", "settings", None)
    for key in raw:
        if key not in SETTINGS_KEYS:
            _refuse_credentials(key, locate, "settings")
            raise locate.error(unknown_key(key, SETTINGS_KEYS), key, "settings")
    out: dict = {}
    if "recheck_every" in raw:
        out["recheck_every"] = _duration(raw["recheck_every"], "recheck_every", locate, "settings")
    for key in _COUNT_SETTINGS:
        if key in raw:
            if isinstance(raw[key], bool) or not isinstance(raw[key], int) or not 1 <= raw[key] <= 100:
                raise locate.error(f"{raw[key]!r} is not a count (use a whole number, e.g. 2)", key,
                                   "settings")
            out[key] = raw[key]
    if "download_timeout" in raw:
        out["download_timeout"] = _duration(raw["download_timeout"], "download_timeout", locate,
                                            "settings")
    if "max_crawl_time" in raw:
        out["max_crawl_time"] = _duration(raw["max_crawl_time"], "max_crawl_time", locate,
                                          "settings")
    if "user_agent" in raw:
        if not isinstance(raw["user_agent"], str) or not raw["user_agent"].strip():
            raise locate.error("must be a non-empty string", "user_agent", "settings")
        out["user_agent"] = raw["user_agent"].strip()
    if "tiers" in raw:
        out["tiers"] = _tiers(raw["tiers"], locate)
    out.update(_limits(raw, locate))
    out.update(_flags(raw, ("keep_html",), locate, "settings"))
    out.update(_notify_keys(raw, locate, "settings"))
    if "redis" in raw:  # `newswatch run / worker / ingest / status` default to it
        url = raw["redis"]
        if not isinstance(url, str) or urlsplit(url).scheme not in ("redis", "rediss", "unix"):
            raise locate.error(f"{url!r} is not a Redis URL (use e.g. 'redis://10.0.0.5:6379/0')",
                               "redis", "settings")
        out["redis"] = url
    out.update(_archive_keys(raw, locate, "settings"))
    out.update(_web_archive_keys(raw, locate))
    out.update(_save_page_now_keys(raw, locate, "settings"))
    out.update(_render_settings(raw, locate))
    return out


def _refuse_credentials(key: str, locate: _Locator, table: str, index: int | None = None,
                        label: str | None = None) -> None:
    """An unknown key that names a secret: the sources file (shared, often committed) is no place
    for one, and the error says where it goes, never showing it."""
    if CREDENTIAL_KEY.search(key):
        raise locate.error("credentials do not belong in the sources file: set "
                           "NEWSWATCH_IA_ACCESS_KEY and NEWSWATCH_IA_SECRET_KEY, or name a file "
                           "holding access:secret with [settings] save_page_now_keys_file", key,
                           table, index, label)


def _save_page_now_keys(raw: dict, locate: _Locator, table: str, index: int | None = None,
                        label: str | None = None) -> dict:
    """save_page_now (both tables); in [settings] its endpoint, per_minute and keys_file."""
    out: dict = {}
    err = lambda why, key: locate.error(why, key, table, index, label)  # noqa: E731
    out.update(_flags(raw, ("save_page_now",), locate, table, index, label))
    if "save_page_now_endpoint" in raw:
        url = raw["save_page_now_endpoint"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise err(f"{url!r} is not an http(s) URL (e.g. 'https://web.archive.org/save')",
                      "save_page_now_endpoint")
        if parts.username or parts.password:
            raise err("credentials do not belong in the sources file: take them out of the URL and "
                      "set NEWSWATCH_IA_ACCESS_KEY and NEWSWATCH_IA_SECRET_KEY", "save_page_now_endpoint")
        out["save_page_now_endpoint"] = url
    if "save_page_now_per_minute" in raw:
        value = raw["save_page_now_per_minute"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
            raise err(f"{value!r} is not allowed (use a whole number of submissions a minute, e.g. 4, "
                      "from 1 to 60)", "save_page_now_per_minute")
        out["save_page_now_per_minute"] = value
    if "save_page_now_keys_file" in raw:
        path = raw["save_page_now_keys_file"]
        looks_like_keys = isinstance(path, str) and re.fullmatch(r"[^/\\:\s]+:[^/\\:\s]+", path.strip()) \
            and not (locate.path.parent / path.strip()).exists()
        if not isinstance(path, str) or not path.strip() or looks_like_keys:
            raise err("must be the path of a file holding access:secret (the keys themselves go in "
                      "that file, never here)", "save_page_now_keys_file")
        out["save_page_now_keys_file"] = path.strip()
    return out


def _render_settings(raw: dict, locate: _Locator) -> dict:
    """[settings] browser (a path), browser_pages (1..16), render_timeout, screenshots."""
    out: dict = {}
    if "browser" in raw:
        value = raw["browser"]
        if not isinstance(value, str) or not value.strip():
            raise locate.error("must be the path of a chromium executable, e.g. \"/usr/bin/chromium\"",
                               "browser", "settings")
        out["browser"] = str(Path(value.strip()).expanduser())
    if "browser_pages" in raw:
        value = raw["browser_pages"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
            raise locate.error(f"{value!r} is not allowed (use a whole number of pages, e.g. 2, "
                               "from 1 to 16)", "browser_pages", "settings")
        out["browser_pages"] = value
    if "render_timeout" in raw:
        out["render_timeout"] = _duration(raw["render_timeout"], "render_timeout", locate, "settings")
    if "browser_block" in raw:
        kinds = raw["browser_block"]
        if not isinstance(kinds, list) or not set(kinds) <= set(RESOURCE_TYPES) - {"document"}:
            raise locate.error(f"{kinds!r} is not a list of resource types (use some of "
                               f"{list(RESOURCE_TYPES[1:])}; [] blocks nothing)", "browser_block",
                               "settings")
        out["browser_block"] = tuple(dict.fromkeys(kinds))
    out.update(_render_keys(raw, locate, "settings"))
    return out


def _flags(raw: dict, keys: tuple[str, ...], locate: _Locator, table: str, index: int | None = None,
           label: str | None = None) -> dict:
    """The true/false keys of `keys` that `raw` sets; anything else is an error naming the key."""
    for key in keys:
        if key in raw and not isinstance(raw[key], bool):
            raise locate.error(f"{raw[key]!r} is not true or false", key, table, index, label)
    return {key: raw[key] for key in keys if key in raw}


def _render_keys(raw: dict, locate: _Locator, table: str, index: int | None = None,
                 label: str | None = None) -> dict:
    """render ("never" | "auto" | "always", [[source]] only) and screenshots (true/false)."""
    out: dict = {}
    if "render" in raw:
        if raw["render"] not in RENDER_MODES:
            raise locate.error(f"{raw['render']!r} is not a render mode (use \"never\", \"auto\" "
                               "or \"always\")", "render", table, index, label)
        out["render"] = raw["render"]
    out.update(_flags(raw, ("screenshots",), locate, table, index, label))
    return out


def _check_browser(config: Config, locate: _Locator) -> None:
    """A browser named in [settings] must exist; `render = "always"` needs one."""
    if config.browser is not None:
        path = Path(config.browser)
        if not path.is_file() or not os.access(path, os.X_OK):
            why = "no such file" if not path.exists() else "not an executable file"
            raise locate.error(f"{config.browser!r}: {why} (install chromium: {INSTALL_BROWSER}, "
                               "or fix the path)", "browser", "settings")
    for index, source in enumerate(config.sources):
        if source.render == "always" and config.browser_path() is None:
            raise locate.error(f"\"always\" needs a browser and none is installed ({INSTALL_BROWSER}, "
                               "or set [settings] browser = \"/path/to/chromium\")", "render", "source",
                               index, source.name)


def _web_archive_keys(raw: dict, locate: _Locator) -> dict:
    """[settings] archives (CDX endpoint URLs) and archive_requests_per_second."""
    out: dict = {}
    if "archives" in raw:
        urls = raw["archives"]
        if not isinstance(urls, list) or not all(isinstance(u, str) and urlsplit(u).scheme in
                                                 ("http", "https") and urlsplit(u).hostname for u in urls):
            raise locate.error("must be a list of CDX endpoint URLs (e.g. "
                               "['https://web.archive.org/cdx/search/cdx'])", "archives", "settings")
        out["archives"] = tuple(urls)
    if "archive_requests_per_second" in raw:
        rate = raw["archive_requests_per_second"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.01 <= rate <= 100:
            raise locate.error(f"{rate!r} is not allowed (use a number, e.g. 0.5, from 0.01 to 100)",
                               "archive_requests_per_second", "settings")
        out["archive_requests_per_second"] = float(rate)
    return out


def _archive_keys(raw: dict, locate: _Locator, table: str, index: int | None = None,
                  label: str | None = None) -> dict:
    """archive ("warc" | "none"); in [settings] also archive_all_fetches and archive_max_mb."""
    out: dict = {}
    if "archive" in raw:
        if raw["archive"] not in ARCHIVE_MODES:
            raise locate.error(f"{raw['archive']!r} is not an archive format (use \"warc\" or "
                               "\"none\")", "archive", table, index, label)
        out["archive"] = raw["archive"]
    out.update(_flags(raw, ("archive_all_fetches",), locate, table))
    if "archive_max_mb" in raw:
        value = raw["archive_max_mb"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
            raise locate.error(f"{value!r} is not a size in MB (use a whole number, e.g. 100)",
                               "archive_max_mb", table)
        out["archive_max_mb"] = value
    return out


def _limits(raw: dict, locate: _Locator) -> dict:
    out = {}
    for key, (low, high, whole) in LIMIT_SETTINGS.items():
        if key not in raw:
            continue
        value = raw[key]
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            example = "a whole number, e.g. 4" if whole else "a number, e.g. 2.5"
            raise locate.error(f"{value!r} is not allowed (use {example}, from {low} to {high})",
                               key, "settings")
        out[key] = value
    return out


def _tiers(raw: object, locate: _Locator) -> tuple[Tier, ...]:
    fix = "write tiers = [{younger_than = \"3h\", every = \"15m\"}, …], ages increasing"
    if not isinstance(raw, list) or not raw:
        raise locate.error(f"must be a non-empty list ({fix})", "tiers", "settings")
    tiers = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"younger_than", "every"}:
            raise locate.error(f"each tier needs exactly younger_than and every ({fix})",
                               "tiers", "settings")
        tiers.append(Tier(_duration(item["younger_than"], "tiers", locate, "settings"),
                          _duration(item["every"], "tiers", locate, "settings")))
    if [t.younger_than for t in tiers] != sorted({t.younger_than for t in tiers}):
        raise locate.error(f"ages must increase from tier to tier ({fix})", "tiers", "settings")
    return tuple(tiers)


def _duration(value: object, key: str, locate: _Locator, table: str, index: int | None = None,
              label: str | None = None) -> int:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise locate.error(f"{exc} ({DURATION_HINT})", key, table, index, label) from None


def _load_sources(raw: object, locate: _Locator) -> tuple[Source, ...]:
    if not isinstance(raw, list):
        raise locate.error("must be an array of tables: write [[source]]", "source", None)
    sources, names = [], set()
    for index, table in enumerate(raw):
        source = _load_source(table, index, locate)
        if source.name in names:
            raise locate.error("duplicate source name (names must be unique)", "name", "source",
                               index, source.name)
        names.add(source.name)
        sources.append(source)
    return tuple(sources)


def _load_source(table: dict, index: int, locate: _Locator) -> Source:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise locate.error("missing or empty (every [[source]] needs name = \"…\")", "name", "source",
                           index, f"#{index + 1}")
    label = name
    for key in table:
        if key not in SOURCE_KEYS:
            _refuse_credentials(key, locate, "source", index, label)
            raise locate.error(unknown_key(key, SOURCE_KEYS), key,
                               "source", index, label)
    values: dict = {"name": name.strip()}
    for key in _LIST_KEYS:
        if key in table:
            values[key] = _string_list(table[key], key, locate, index, label)
    for key in _URL_KEYS:
        for url in values.get(key, ()):
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise locate.error(f"{url!r} is not an http(s) URL", key, "source", index, label)
    # A source with allowed_domains and nothing to discover from holds articles added one by one
    # (`newswatch add URL`): its crawl discovers nothing, its articles are re-checked.
    if not any(values.get(k) for k in _URL_KEYS) and not values.get("allowed_domains"):
        raise locate.error("a source needs at least one of feeds, sitemaps, start_urls (or, for "
                           "articles added one by one, allowed_domains)", "name", "source", index,
                           label)
    if values.get("allowed_domains") == ():  # allowing nothing would fetch nothing: a slip
        raise locate.error("is empty (list the domains articles may be on, e.g. [\"example.org\"], "
                           "or leave the key out for the hosts of the source's URLs)",
                           "allowed_domains", "source", index, label)
    if "allowed_domains" not in values:  # default: the hosts the source's own URLs are on
        values["allowed_domains"] = tuple(sorted({urlsplit(u).hostname for k in _URL_KEYS
                                                  for u in values.get(k, ())}))
    values["allowed_domains"] = tuple(d.lower().lstrip(".") for d in values["allowed_domains"])
    if "article_pattern" in table:
        values["article_pattern"] = _regex(table["article_pattern"], locate, index, label)
    if "discover_every" in table:
        values["discover_every"] = _duration(table["discover_every"], "discover_every", locate,
                                             "source", index, label)
    if "max_crawl_time" in table:
        values["max_crawl_time"] = _duration(table["max_crawl_time"], "max_crawl_time", locate,
                                             "source", index, label)
    if "max_new_per_discovery" in table:
        low, high, _ = LIMIT_SETTINGS["max_new_per_discovery"]
        value = table["max_new_per_discovery"]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise locate.error(f"{value!r} is not allowed (use a whole number, e.g. 300, from {low} "
                               f"to {high})", "max_new_per_discovery", "source", index, label)
        values["max_new_per_discovery"] = value
    if "body_selector" in table:
        values["body_selector"] = _string_list([table["body_selector"]], "body_selector", locate,
                                               index, label)[0]
    for key in ("drop_selectors",) + (("body_selector",) if "body_selector" in values else ()):
        for selector in values.get(key, ()) if key == "drop_selectors" else (values[key],):
            _check_selector(selector, key, locate, index, label)
    if "live_selector" in table:
        values["live_selector"] = _string_list([table["live_selector"]], "live_selector", locate,
                                               index, label)[0]
        _check_selector(values["live_selector"], "live_selector", locate, index, label)
    values.update(_notify_keys(table, locate, "source", index, label))
    values.update(_front_keys(table, values, locate, index, label))
    if "parser" in table:
        values["parser"] = _parser(table["parser"], locate, index, label)
    values.update(_archive_keys({"archive": table["archive"]} if "archive" in table else {},
                                locate, "source", index, label))
    values.update(_save_page_now_keys({k: table[k] for k in ("save_page_now",) if k in table},
                                      locate, "source", index, label))
    values.update(_request_keys(table, values, locate, index, label))
    values.update(_render_keys(table, locate, "source", index, label))
    return Source(**values)


def _request_keys(table: dict, values: dict, locate: _Locator, index: int, label: str) -> dict:
    """headers (a table), user_agent (a string) and cookies (a table, or a cookies.txt path)."""
    from crawler import request_settings as rs

    out: dict = {}
    err = lambda why, key: locate.error(why, key, "source", index, label)  # noqa: E731
    if "headers" in table:
        try:
            out["headers"] = rs.checked_headers(table["headers"])
        except ValueError as exc:
            raise err(str(exc), "headers") from None
    if "user_agent" in table:
        agent = table["user_agent"]
        if not isinstance(agent, str) or not agent.strip() or "\n" in agent or "\r" in agent:
            raise err("must be a non-empty string on one line", "user_agent")
        out["user_agent"] = agent.strip()
    if "cookies" in table:
        out["cookies"] = _cookies(table["cookies"], _own_hosts(values), locate.path.parent, err)
    return out


def _own_hosts(values: dict) -> tuple[str, ...]:
    """The hosts a source's cookies go to (with their subdomains): those of its own URLs, or
    for a source of articles added one by one, its allowed_domains."""
    hosts = {urlsplit(u).hostname for k in _URL_KEYS for u in values.get(k, ())}
    return tuple(sorted(hosts)) if hosts else values["allowed_domains"]


def _cookies(value: object, hosts: tuple[str, ...], folder: Path, err):
    from crawler import request_settings as rs

    if isinstance(value, dict):
        try:
            return rs.table_cookies(value, hosts)
        except ValueError as exc:
            raise err(str(exc), "cookies") from None
    if not isinstance(value, str) or not value.strip():
        raise err('must be a table, e.g. {consent = "yes"}, or the path of a cookies.txt file '
                  'exported from the browser, e.g. "cookies.txt"', "cookies")
    try:
        return rs.file_cookies(folder / Path(value.strip()).expanduser(), hosts)
    except rs.CookiesFileError as exc:
        raise err(str(exc), "cookies") from None


def _front_keys(table: dict, values: dict, locate: _Locator, index: int, label: str) -> dict:
    """fronts (a subset of start_urls; [] records none) and front_samples (1..5)."""
    out: dict = {}
    if "fronts" in table:
        fronts = [] if table["fronts"] == [] else _string_list(table["fronts"], "fronts", locate, index, label)
        stray = [u for u in fronts if u not in values.get("start_urls", ())]
        if stray:
            raise locate.error(f"{stray[0]!r} is not one of start_urls (a front is a start URL "
                               "whose placements are recorded)", "fronts", "source", index, label)
        out["fronts"] = tuple(fronts)
    if "front_samples" in table:
        value = table["front_samples"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise locate.error(f"{value!r} is not a number of readings from 1 to 5", "front_samples",
                               "source", index, label)
        out["front_samples"] = value
    return out


def _string_list(value: object, key: str, locate: _Locator, index: int, label: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise locate.error("must be a list of non-empty strings, e.g. [\"…\", \"…\"]", key, "source",
                           index, label)
    return tuple(v.strip() for v in value)


def _regex(value: object, locate: _Locator, index: int, label: str) -> str:
    import re2

    try:
        if not isinstance(value, str):
            raise re2.error("not a string")
        user_pattern(value)
    except re2.error as exc:
        why = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) \
            else str(exc)
        raise locate.error(f"{value!r} is not a valid regular expression ({why}; RE2 syntax: no "
                           "backreferences or lookarounds); in TOML write it in single quotes, "
                           "e.g. '/news/\\d+/'", "article_pattern", "source", index, label) from None
    return value


def _check_selector(selector: str, key: str, locate: _Locator, index: int, label: str) -> None:
    from crawler.cleaner.selectors import InvalidSelector, check_selector  # the engine that applies them

    try:
        check_selector(selector)
    except InvalidSelector as exc:
        raise locate.error(f"{exc} (write CSS as in a browser's querySelector, e.g. 'div.ad, "
                           "p:not(.keep)')", key, "source", index, label) from None


def _parser(spec: object, locate: _Locator, index: int, label: str) -> SiteParser:
    """Imported once, here: a missing module or function is an error of the sources file."""
    from crawler.site_parsers import ParserNotUsable, load_parser

    try:
        return load_parser(spec, locate.path.parent)
    except ParserNotUsable as exc:
        raise locate.error(str(exc), "parser", "source", index, label) from None


def _notify_keys(raw: dict, locate: _Locator, table: str, index: int | None = None,
                 label: str | None = None) -> dict:
    """notify (Apprise URLs), notify_fields, notify_min_words, notify_skip_minor; public_url."""
    out: dict = {}
    err = lambda why, key: locate.error(why, key, table, index, label)  # noqa: E731
    if "notify" in raw:
        urls = [raw["notify"]] if isinstance(raw["notify"], str) else raw["notify"]
        if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
            raise err('must be a list of notification URLs, e.g. ["json://127.0.0.1:8080/hook"]', "notify")
        for url in urls:
            _check_notify_url(url.strip(), err)
        out["notify"] = tuple(dict.fromkeys(u.strip() for u in urls))
    if "notify_fields" in raw:
        fields = raw["notify_fields"]
        if not isinstance(fields, list) or not fields or not set(fields) <= set(NOTIFY_FIELDS):
            raise err(f"{fields!r} is not a list of fields (use some of {list(NOTIFY_FIELDS)})",
                      "notify_fields")
        out["notify_fields"] = tuple(dict.fromkeys(fields))
    if "notify_min_words" in raw:
        value = raw["notify_min_words"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise err(f"{value!r} is not a word count (use a whole number, e.g. 5; 0 for any edit)",
                      "notify_min_words")
        out["notify_min_words"] = value
    out.update(_flags(raw, ("notify_skip_minor", "notify_stealth_only"), locate, table, index, label))
    if "public_url" in raw:
        url = raw["public_url"]
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
                or not urlsplit(url).hostname:
            raise err(f"{url!r} is not an http(s) URL (use where `newswatch serve` is reachable, "
                      "e.g. 'https://news.example.org')", "public_url")
        out["public_url"] = url.rstrip("/")
    return out


def _check_notify_url(url: str, err) -> None:
    """An Apprise URL Apprise can use; Apprise is imported only when a file has notify URLs."""
    import apprise

    if "://" not in url or apprise.Apprise.instantiate(url) is None:
        raise err(f"{url!r} is not a notification URL Apprise understands (e.g. "
                  "'json://host:port/path', 'ntfy://topic', 'mailto://user:pass@example.org'; "
                  "see https://github.com/caronc/apprise/wiki)", "notify")
