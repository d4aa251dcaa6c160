"""Browser rendering of script-built pages: which pages go to the browser (scrapy-playwright
driving the chromium installed on the machine), the download handler that starts it only for
them, and what a render keeps (the DOM the scripts built, a screenshot). docs/rendering.md.

Every page is first fetched as usual (conditionally when it is known: a 304 never starts a
browser), through the crawl's robots.txt, rate and concurrency limits. A page that needs the
browser is then opened in it with that very answer as its document (Playwright's
route.fulfill): the browser does not download the document a second time, and the DOM it builds
comes from the bytes the WARC archive keeps. The page's scripts, styles and data requests are
the browser's own, with our User-Agent; images, fonts and media are not fetched.
"""
from __future__ import annotations

import re
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from crawler.sources import INSTALL_BROWSER, Config, Source

PLAIN = "newswatch_plain"  # request meta key: the plain answer the browser renders (PlainAnswer)
CONTEXT = "newswatch"  # the one browser context (cookies off: each page a new visitor's)
# Under this many words, the cleaned body of a plain fetch may be a shell that scripts fill in.
MIN_WORDS = 50
# A render shows the page needs the browser when it finds this many more words than the plain
# fetch did (the same text, give or take a caption, says it does not).
MORE_WORDS = 20
# The empty mount point of a client-side app (React, Next.js, Nuxt, Gatsby, Angular, Vue,
# Svelte): markup a script fills in after load.
_EMPTY_ROOT = re.compile(
    rb"<(div|main|section)\b[^>]*\bid\s*=\s*[\"']?(root|app|__next|__nuxt|___gatsby|svelte)[\"']?[^>]*>"
    rb"\s*</\1\s*>|<app-root\b[^>]*>\s*</app-root\s*>", re.IGNORECASE)
_SCRIPT_BUNDLE = re.compile(rb"<script\b[^>]*\bsrc\s*=", re.IGNORECASE)
_TEXT_OUTSIDE_TAGS = re.compile(rb"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<[^>]*>",
                                re.IGNORECASE | re.DOTALL)
SHELL_TEXT_BYTES = 400  # visible text of a shell page: a title, a "loading…", a noscript line


def looks_script_built(html: bytes) -> bool:
    """An empty app root (`<div id="root"></div>`, `<div id="__next"></div>`) beside script
    bundles, and little text: the article is built by scripts after load."""
    if not (_EMPTY_ROOT.search(html) and _SCRIPT_BUNDLE.search(html)):
        return False
    return len(b" ".join(_TEXT_OUTSIDE_TAGS.sub(b" ", html).split())) < SHELL_TEXT_BYTES


class BlockedResources:
    """scrapy-playwright's abort_request: the browser does not fetch resources of these types
    ([settings] browser_block; by default images, fonts and media, which a text's DOM does not
    need)."""

    def __init__(self, kinds):
        self.kinds = frozenset(kinds)

    def __call__(self, request) -> bool:
        return request.resource_type in self.kinds


def word_count(article) -> int:
    return len(article.body.split()) if article is not None else 0


@dataclass
class PlainAnswer:
    """The plain fetch a render starts from: the browser gets it as its document."""

    url: str  # the URL we asked for (the article's)
    final_url: str  # where the answer came from, after redirects
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    started: float | None  # time.monotonic() when the plain fetch started
    exchange: object = None  # the plain fetch's HttpExchange, for the WARC archive
    words: int | None = None  # set when `auto` asks for a second look: the plain fetch's words


class Renderer:
    """One crawl process's choices: which pages to render, and, for `render = "auto"`, what
    each source showed (kept in the database, db.render)."""

    def __init__(self, config: Config, db, warn):
        from db.render import render_decisions

        self.config, self.db, self.warn = config, db, warn  # db None: decisions kept in memory
        self.browser = config.browser_path()
        auto = any(s.render == "auto" for s in config.sources)
        self.decisions = render_decisions(db) if auto and db is not None else {}
        self.warned = False

    def renders(self, source: Source) -> bool:
        """Whether a 200 of `source` goes to the browser at once (no look at the plain page)."""
        if self.browser is None or source.render == "never":
            return False
        return source.render == "always" or self.decisions.get(source.name) is True or \
            self.config.takes_screenshots(source, rendered=False)

    def may_render(self, source: Source) -> bool:
        """Whether `auto` may still send a page of `source` to the browser after its plain look."""
        return source.render == "auto" and self.decisions.get(source.name) is not True

    def second_look(self, html: bytes, article, source: Source, url: str) -> bool:
        """After the plain fetch of an `auto` source was cleaned: does the page need the browser?
        A source known to need none is rendered only for a page that is plainly a shell."""
        shell = looks_script_built(html)
        short = article is None or word_count(article) < MIN_WORDS or not article.title.strip()
        wanted = shell if self.decisions.get(source.name) is False else (shell or short)
        if not wanted:
            if source.name not in self.decisions and article is not None:
                self.remember(source, False, url)
            return False
        if self.browser is None:
            if not self.warned:  # once per crawl process
                self.warned = True
                self.warn(f"{url}: the page looks built by scripts, but no browser is installed to "
                          f"render it ({INSTALL_BROWSER}, or set [settings] browser); fetched "
                          "without rendering")
            return False
        return True

    def after_render(self, plain_words: int, article, source: Source, url: str) -> None:
        """What a second look showed: the browser found the article (or much more of it)."""
        needed = article is not None and article.title.strip() != "" and \
            word_count(article) >= max(plain_words + MORE_WORDS, 1)
        self.remember(source, needed, url)

    def remember(self, source: Source, needed: bool, url: str) -> None:
        from db.render import remember_render

        if self.decisions.get(source.name) is needed:
            return
        self.decisions[source.name] = needed
        try:
            if self.db is not None:
                remember_render(self.db, source.name, needed, url, datetime.now(timezone.utc))
        except (sqlite3.Error, OSError) as exc:  # kept for this crawl; the next one looks again
            self.warn(f"{source.name}: whether its pages need a browser was not recorded: {exc}")


def render_request(spider, plain: PlainAnswer, source: Source, meta: dict):
    """The request that opens `plain` in the browser; it comes back to parse_article."""
    import scrapy
    from scrapy_playwright.page import PageMethod

    config = spider.config
    methods = [PageMethod(settle, config.render_timeout * 1000)]
    if config.takes_screenshots(source, rendered=True):
        methods.append(PageMethod("screenshot", full_page=True, type="png"))
    return scrapy.Request(plain.final_url, callback=spider.parse_article, errback=spider.article_failed,
                          dont_filter=True, meta={
                              **meta, PLAIN: plain, "playwright": True, "playwright_context": CONTEXT,
                              "playwright_context_kwargs": {"user_agent": config.user_agent,
                                                            "service_workers": "block"},
                              "playwright_page_init_callback": serve_plain_answer,
                              "playwright_page_methods": methods})


async def serve_plain_answer(page, request) -> None:
    """The browser's first navigation to the page gets the plain fetch's answer (status, headers,
    decoded body) instead of a second download; its other requests go on as usual."""
    plain: PlainAnswer = request.meta[PLAIN]
    served = []
    hop_by_hop = {"content-encoding", "content-length", "transfer-encoding", "connection"}
    headers: dict[str, str] = {}
    for key, value in plain.headers:
        if key.lower() not in hop_by_hop:
            headers[key] = f"{headers[key]}, {value}" if key in headers else value

    async def fulfill(route) -> None:
        if served or not route.request.is_navigation_request():
            await route.fallback()  # to scrapy-playwright's handler: headers, blocked resources
            return
        served.append(True)
        await route.fulfill(status=plain.status, headers=headers, body=plain.body)

    await page.route(lambda url: url.split("#")[0] == plain.final_url.split("#")[0], fulfill)


async def settle(page, timeout_ms: int) -> None:
    """Wait for the page's scripts and data requests to end (the network idle for 500 ms), at
    most `timeout_ms`: a page that never goes idle (a live ticker) is read as it is by then."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except PlaywrightTimeout:
        pass


def screenshot_of(response) -> bytes | None:
    """The PNG the render took, if it took one."""
    for method in response.meta.get("playwright_page_methods") or ():
        if getattr(method, "method", None) == "screenshot" and isinstance(method.result, bytes):
            return method.result
    return None


class BrowserWhenNeeded(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler, which hands a request marked `playwright` to
    scrapy-playwright's handler, loaded and started at the first such request: a crawl that
    renders nothing never loads Playwright (~0.2 s) nor starts its driver (~0.7 s)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.browser_handler = None
        self.starting = None  # an asyncio.Lock, made on the reactor's loop

    async def download_request(self, request):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        handler = await self._browser_handler()
        return await handler.download_request(request)

    async def _browser_handler(self):
        import asyncio

        if self.starting is None:
            self.starting = asyncio.Lock()
        async with self.starting:
            if self.browser_handler is None:
                self.browser_handler = await start_playwright(self._crawler)
        return self.browser_handler

    async def close(self) -> None:
        await super().close()
        if self.browser_handler is not None:
            await self.browser_handler.close()
            stats = self._crawler.stats
            if stats.get_value("playwright/browser_count"):
                print(f"[render] {stats.get_value('newswatch/rendered', 0)} page(s) rendered by "
                      f"{stats.get_value('newswatch/browser')}", file=sys.stderr, flush=True)


async def start_playwright(crawler):
    """scrapy-playwright's handler, set up from the sources file: our browser (never one
    Playwright downloads), `browser_pages` pages at once, `render_timeout` per page."""
    from scrapy_playwright.handler import Config as PlaywrightConfig
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    config = crawler.spider.config
    from scrapy.settings import Settings

    settings = Settings(crawler.settings.copy_to_dict())
    settings.setdict({
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": config.browser_path(), "headless": True},
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.browser_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.render_timeout * 1000,
    }, priority="cmdline")
    handler = ScrapyPlaywrightDownloadHandler(crawler)
    # Its settings are read from the crawler's at construction; ours come from the sources
    # file, which the spider loads: they replace them before anything was launched.
    handler.config = PlaywrightConfig.from_settings(settings)
    handler.abort_request = BlockedResources(config.browser_block)
    await handler._launch()  # what its engine_started handler does; that signal is long past
    crawler.stats.set_value("newswatch/browser", config.browser_path())
    return handler
