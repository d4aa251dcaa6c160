"""Crawls spread over worker processes: every article fetched by exactly one worker,
one `crawls` row with everyone's counts, per-domain limits divided so the total stays within them."""
from __future__ import annotations

import json
from pathlib import Path

from crawler.recheck.sharding import shard_of
from crawler.politeness import politeness_for
from crawler.sources import load_config
from tests.conftest import query as rows


def test_three_workers_fetch_each_article_once_into_one_crawl_row(site, cli):
    info, server = site
    summary = json.loads(cli("crawl", "--workers", "3", "--json").stdout.strip().splitlines()[-1])
    assert summary["fetched"] == summary["new"] == len(info.articles)
    assert summary["status"] == "finished"
    assert rows(cli.db, "select count(*) n from crawls")[0]["n"] == 1
    checks = rows(cli.db, "select a.url, c.crawl_id from checks c join articles a on a.id = c.article_id")
    assert sorted(c["url"] for c in checks) == sorted(server.base_url + a.path for a in info.articles)
    assert {c["crawl_id"] for c in checks} == {summary["id"]}
    recheck = json.loads(cli("recheck", "--all", "--workers", "2", "--json").stdout.strip().splitlines()[-1])
    assert recheck["fetched"] == recheck["unchanged"] == len(info.articles)


def test_shares_are_stable_and_cover_every_url():
    urls = [f"https://herald.example/news/{n}" for n in range(200)]
    shares = [shard_of(u, 4, by_domain=False) for u in urls]
    assert set(shares) == {0, 1, 2, 3} and shares == [shard_of(u, 4, False) for u in urls]
    # by domain: every URL of a host goes to one worker
    assert len({shard_of(u, 4, by_domain=True) for u in urls}) == 1


def _config(tmp_path: Path, domains: list[str]):
    text = "[settings]\nrequests_per_second = 10\nconcurrent_per_domain = 8\nmax_crawls = 1\n"
    for n, domain in enumerate(domains):
        text += f'[[source]]\nname = "s{n}"\nfeeds = ["https://{domain}/feed"]\n'
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return load_config(path)


def test_one_domain_divides_its_limits_between_workers(tmp_path):
    config = _config(tmp_path, ["herald.example"])
    alone = politeness_for(config).scrapy_settings()
    shared = politeness_for(config, shards=2).scrapy_settings()
    assert shared["CONCURRENT_REQUESTS_PER_DOMAIN"] * 2 == alone["CONCURRENT_REQUESTS_PER_DOMAIN"]
    assert shared["DOWNLOAD_DELAY"] == 2 * alone["DOWNLOAD_DELAY"]  # half the rate each


def test_several_domains_keep_their_limits(tmp_path):
    config = _config(tmp_path, ["herald.example", "gazette.example"])
    assert politeness_for(config, shards=2).scrapy_settings() == politeness_for(config).scrapy_settings()


def test_a_sharded_crawl_on_a_file_that_is_no_database_says_so_once(site, cli):
    """The workers start before the crawl row exists (scheduler.crawls); when the parent cannot
    open the database they leave without a word of their own and without writing anything."""
    cli.db.write_bytes(b"not a database, just text\n" * 200)
    before = cli.db.read_bytes()
    result = cli("crawl", "--workers", "2", check=False)
    assert result.returncode == 2
    assert result.stderr.count("error:") == 1 and "not a usable SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli.db.read_bytes() == before
