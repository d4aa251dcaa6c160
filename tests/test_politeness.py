"""One politeness model (crawler/politeness.py): Scrapy and the re-check probe read robots.txt,
the User-Agent and the per-host limits from the same place."""
from __future__ import annotations

import pytest
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.project import get_project_settings

from crawler.politeness import Politeness, RobotsRules, politeness_for
from crawler.sources import load_config

UA = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"
BODIES = [b"", b"User-agent: *\nDisallow: /private/\n",
          b"\xef\xbb\xbfUser-agent: *\nDisallow: /private/\n",  # a BOM: the first line still counts
          b"User-agent: newswatch\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
          b"<html><body>Not found</body></html>", b"User-agent: *\nDisallow: /\xff\xfe/\n"]
URLS = ["https://a.example/", "https://a.example/private/x", "https://a.example/news/1"]


@pytest.mark.parametrize("body", BODIES)
def test_robots_decision_is_scrapys(body):
    ours, scrapys = RobotsRules(body), ProtegoRobotParser(body, None)
    for url in URLS:
        assert ours.allowed(url, UA) == scrapys.allowed(url, UA), (body, url)
        assert ours.allowed(url.encode(), UA.encode()) == scrapys.allowed(url, UA)


def test_no_robots_allows_everything():
    assert all(RobotsRules(None).allowed(url, UA) for url in URLS)
    assert not RobotsRules(b"User-agent: *\nDisallow: /\n").allowed(URLS[0], UA)


def test_scrapy_reads_robots_through_the_same_rules():
    assert get_project_settings()["ROBOTSTXT_PARSER"] == "crawler.politeness.RobotsRules"


def test_the_sources_file_sets_user_agent_rate_and_concurrency(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[settings]\nuser_agent = "bot/2"\nrequests_per_second = 4\nconcurrent_per_domain = 3\n'
                    'max_crawls = 2\ndownload_timeout = 12\n'
                    '[[source]]\nname = "a"\nfeeds = ["https://a.example/f"]\n')
    polite = politeness_for(load_config(path))
    assert polite == Politeness(user_agent="bot/2", per_host=3, delay=0.5, timeout=12)
    scrapy = polite.scrapy_settings()
    assert (scrapy["USER_AGENT"], scrapy["DOWNLOAD_TIMEOUT"], scrapy["DOWNLOAD_DELAY"]) == ("bot/2", 12, 0.5)
    assert scrapy["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3
