"""Scrapy settings for newswatch: polite defaults, the components in use and the pipeline order."""
from scrapy.settings import default_settings as _scrapy_defaults

# What a re-check's first phase, before Scrapy loads, uses too (crawler/recheck/precheck.py).
from crawler.defaults import CONCURRENT_REQUESTS, DEFAULT_REQUEST_HEADERS, DOWNLOAD_MAXSIZE  # noqa: F401
from crawler.defaults import PROGRESS_EVERY as NEWSWATCH_PROGRESS_EVERY  # noqa: F401

BOT_NAME = "newswatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness : obey robots.txt, adapt to the server's latency,
# never hammer one host.
ROBOTSTXT_OBEY = True
# Read as the re-check probe reads it: one politeness model (crawler/politeness.py).
ROBOTSTXT_PARSER = "crawler.politeness.RobotsRules"
USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"
CONCURRENT_REQUESTS_PER_DOMAIN = 8
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_WARNSIZE = 0
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's HTTP control port: nothing of ours uses it

# Every response reaches the spider so that a 404 or 500 is recorded as a check, not dropped.
HTTPERROR_ALLOW_ALL = False

# Scrapy imports every component its *_BASE settings name, even one a project turns off with None
# (to normalise the keys), so the ones no crawl of ours uses are taken out of the base lists
# instead: the cookies middleware (COOKIES_ENABLED is off; its module imports tldextract and
# requests), HTTP auth (no source has credentials), Scrapy's meta-refresh middleware (replaced
# below), the telnet console (twisted.conch) and the remote-control port (aiohttp.web). Not
# importing them saves every crawl process ~90 ms of start-up (bench/conditional.py).
_UNUSED = {
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.throttle.AutoThrottle",  # replaced below
}
DOWNLOADER_MIDDLEWARES_BASE = {name: order for name, order in
                               _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE.items() if name not in _UNUSED}
EXTENSIONS_BASE = {name: order for name, order in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if name not in _UNUSED}
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's meta-refresh redirects, minus the HTML scan of bodyless responses (304s).
    "crawler.middlewares.MetaRefreshWithBody": 580,
    # Before the robots.txt (100) and redirect (600) middlewares see the request.
    "crawler.middlewares.StayOnSource": 50,
    # The source's headers, User-Agent and cookies; before robots.txt (100) reads the User-Agent.
    "crawler.middlewares.SourceRequestSettings": 55,
    # A re-check answer the conditional probe already has is not downloaded again.
    "crawler.middlewares.UseProbedResponse": 60,
    # Next to the downloader (after HttpCache 900): the exchange as on the wire, for WARC capture.
    "crawler.middlewares.CaptureExchange": 950,
}
# Each article callback returns one item: Scrapy's default of 100 parallel item tasks per
# callback only costs task churn .
CONCURRENT_ITEMS = 1
DEPTH_STATS_VERBOSE = False

ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.StorePipeline": 200,
    # After the version's transaction committed; sends off the reactor thread.
    "crawler.pipelines.NotifyPipeline": 300,
    # After the version's transaction committed: its WARC records, then the version's pointer.
    "crawler.pipelines.ArchivePipeline": 250,
    # After the version's transaction committed: queued for Save Page Now, submitted off the reactor.
    "crawler.pipelines.SavePagePipeline": 310,
    # After the version's transaction committed: a rendered page's screenshot (crawler/render.py).
    "crawler.pipelines.ScreenshotPipeline": 240,
}
# Requests marked `playwright` go to the browser (scrapy-playwright, started at the first one);
# the others to Scrapy's own HTTP/1.1 handler (crawler/render.py).
DOWNLOAD_HANDLERS = {"http": "crawler.render.BrowserWhenNeeded", "https": "crawler.render.BrowserWhenNeeded"}
EXTENSIONS = {
    "crawler.throttle.ConditionalAwareAutoThrottle": 0,
    "crawler.progress.Progress": 500,
}

# Where the database and sources file are; the CLI passes them, `scrapy crawl` users may set
# NEWSWATCH_DB / NEWSWATCH_SOURCES in the environment or -s on the command line.
NEWSWATCH_DB = None
NEWSWATCH_SOURCES = None
# Keep each version's raw page, zlib-compressed, so `newswatch reclean` can re-clean history
# (also `keep_html = true` in the sources file's [settings]).
NEWSWATCH_KEEP_HTML = False
# The sources file's max_crawl_time (seconds), which CLOSESPIDER_TIMEOUT enforces; 0: none.
NEWSWATCH_MAX_CRAWL_TIME = 0

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
