"""The ceiling: a plain Scrapy spider that reads the sitemap, fetches every article and does nothing.

    .venv/bin/python bench/null_spider.py http://127.0.0.1:8080/sitemap.xml

One process, Scrapy's defaults plus the settings every benchmark spider shares (BASE_SETTINGS:
the concurrency newswatch's benchmark sources file allows, no AutoThrottle, quiet log). Prints
one JSON line: pages fetched and the crawl's own seconds.
"""
from __future__ import annotations

import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.sitemap import Sitemap

ARTICLE_RULE = "/news/"  # the article_pattern of the benchmark's sources file
BASE_SETTINGS = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "CONCURRENT_ITEMS": 1,  # the same lever newswatch uses, so the ceiling is fair
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "USER_AGENT": "newswatch-bench",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
}


class NullSpider(scrapy.Spider):
    """Scrapy's SitemapSpider, except that relative <loc>s are resolved (the benchmark site
    uses them so that one copy serves both nginx ports)."""
    name = "null"

    def __init__(self, sitemap: str, **kwargs):
        super().__init__(**kwargs)
        self.sitemap = sitemap

    async def start(self):
        yield scrapy.Request(self.sitemap, callback=self.parse_sitemap)

    def parse_sitemap(self, response):
        sitemap = Sitemap(response.body)
        for entry in sitemap:
            loc = response.urljoin(entry["loc"])
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(loc, callback=self.parse_sitemap)
            elif ARTICLE_RULE in loc:
                yield scrapy.Request(loc, callback=self.parse)

    def parse(self, response):
        self.crawler.stats.inc_value("bench/pages")
        return None


def run(spider_class: type[scrapy.Spider], **kwargs) -> dict:
    """Run one crawl in this process and print (and return) its pages and seconds."""
    process = CrawlerProcess(BASE_SETTINGS)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, **kwargs)
    process.start()
    stats = crawler.stats.get_stats()
    seconds = (stats["finish_time"] - stats["start_time"]).total_seconds()
    result = {"pages": stats.get("bench/pages", 0), "seconds": seconds}
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    run(NullSpider, sitemap=sys.argv[1])
