"""Settings both Scrapy (crawler/settings.py) and a re-check's first phase before Scrapy loads
(crawler/recheck/precheck.py, crawler/recheck/probe.py) use: defined once, here. Imports nothing."""

CONCURRENT_REQUESTS = 32
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}
PROGRESS_EVERY = 2.0  # seconds between progress lines on stderr (NEWSWATCH_PROGRESS_EVERY); 0: none
# Fetches are written per transaction, up to BATCH_ITEMS or after BATCH_SECONDS (crawler/pipelines.py).
BATCH_ITEMS = 50
BATCH_SECONDS = 0.5
