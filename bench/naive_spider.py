"""The naive pipeline (baseline): Scrapy + trafilatura.extract + a sqlite-utils upsert per page.

    .venv/bin/python bench/naive_spider.py http://127.0.0.1:8080/sitemap.xml naive.db

One process: read the sitemap, extract each article with trafilatura, upsert it (one commit per
page, WAL on so that the comparison is with a sensible SQLite set-up, not a journal fsync).
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
import trafilatura
from scrapy import signals

sys.path.insert(0, str(Path(__file__).resolve().parent))

from null_spider import NullSpider, run  # noqa: E402


class NaiveSpider(NullSpider):
    name = "naive"

    def __init__(self, sitemap: str, db: str, **kwargs):
        super().__init__(sitemap, **kwargs)
        self.db = sqlite_utils.Database(db)
        self.db.enable_wal()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(lambda: spider.db.close(), signal=signals.spider_closed)
        return spider

    def parse(self, response):
        text = trafilatura.extract(response.text, url=response.url, with_metadata=True,
                                   output_format="json")
        self.db["pages"].upsert({"url": response.url, "extracted": text,
                                 "fetched_at": datetime.now(timezone.utc).isoformat()}, pk="url")
        self.crawler.stats.inc_value("bench/pages")
        return None


if __name__ == "__main__":
    run(NaiveSpider, sitemap=sys.argv[1], db=sys.argv[2])
