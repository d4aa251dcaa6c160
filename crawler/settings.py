"""Scrapy settings for newswatch: polite defaults and the pipeline order; no logic here."""

BOT_NAME = "newswatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness (issue #4 deepens this): obey robots.txt, adapt to the server's latency,
# never hammer one host.
ROBOTSTXT_OBEY = True
USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's HTTP control port: nothing of ours uses it

# Every response reaches the spider so that a 404 or 500 is recorded as a check, not dropped.
HTTPERROR_ALLOW_ALL = False

DOWNLOADER_MIDDLEWARES = {
    # Cookies are off (COOKIES_ENABLED = False): not even loaded (its module imports tldextract,
    # ~60 ms of every crawl process's start-up).
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    # No source has credentials: HTTP auth is never needed.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    # Scrapy's meta-refresh redirects, minus the HTML scan of bodyless responses (304s).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshWithBody": 580,
    # Before the robots.txt (100) and redirect (600) middlewares see the request.
    "crawler.middlewares.StayOnSource": 50,
    # A re-check answer the conditional probe already has is not downloaded again.
    "crawler.probe.UseProbedResponse": 60,
}
# Re-checks probe the articles with validators by aiohttp before Scrapy (crawler/probe.py):
# a 304 then costs ~0.2 ms of CPU instead of a ~1.5 ms Scrapy request cycle (issue 8).
NEWSWATCH_PROBE = True
# Each article callback returns one item: Scrapy's default of 100 parallel item tasks per
# callback only costs task churn (issue #8 measured +38% on a fetch-only crawl with 1).
CONCURRENT_ITEMS = 1
DEPTH_STATS_VERBOSE = False

ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.StorePipeline": 200,
    # After the version's transaction committed; sends off the reactor thread (issue 7).
    "crawler.notify.NotifyPipeline": 300,
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.ConditionalAwareAutoThrottle": 0,
    "crawler.progress.Progress": 500,
}
# Seconds between progress lines on stderr; 0 turns them off.
NEWSWATCH_PROGRESS_EVERY = 2.0

# Where the database and sources file are; the CLI passes them, `scrapy crawl` users may set
# NEWSWATCH_DB / NEWSWATCH_SOURCES in the environment or -s on the command line.
NEWSWATCH_DB = None
NEWSWATCH_SOURCES = None
# Keep each version's raw page, zlib-compressed, so `newswatch reclean` can re-clean history
# (also `keep_html = true` in the sources file's [settings]).
NEWSWATCH_KEEP_HTML = False

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
