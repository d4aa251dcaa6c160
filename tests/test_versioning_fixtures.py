"""Change detection on the real fixture pages: churn never makes a version, every edit makes one."""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from crawler.cleaner import clean
from crawler.recheck.policy import schedule_for
from crawler.sources import DEFAULT_TIERS
from db.schema import open_db
from db.store import Content, Fetch, record_fetch
from newswatch.demosite import DemoServer
from tests.conftest import FIXTURES, write_sources

SEED = FIXTURES / "seed-article"
CHURN = json.loads((SEED / "churn" / "expected.json").read_text())
EDITS = json.loads((SEED / "edits" / "expected.json").read_text())
URL = "https://bangkokonenews.example/xi-visit/"
T0 = datetime(2023, 3, 22, 3, 0, tzinfo=timezone.utc)


def store_page(db, html: bytes, at: datetime):
    article = clean(html, URL)
    content = Content(article.title, article.author, article.body, article.published,
                      article.modified, article.cleaner_version)
    return record_fetch(db, Fetch(URL, "bangkok", at), content, schedule_for(DEFAULT_TIERS))


@pytest.fixture
def seeded(tmp_path):
    db = open_db(tmp_path / "seed.db")
    assert store_page(db, (SEED / "page.html").read_bytes(), T0).outcome == "new"
    return db


@pytest.mark.parametrize("name", sorted(CHURN))
def test_churn_page_is_not_a_new_version(seeded, name):
    result = store_page(seeded, (SEED / "churn" / name).read_bytes(), T0 + timedelta(hours=1))
    assert CHURN[name]["new_version"] is False
    assert result.outcome == "unchanged"
    assert seeded["versions"].count == 1


def test_all_churn_pages_in_a_row_keep_one_version(seeded):
    for n, name in enumerate(sorted(CHURN), start=1):
        store_page(seeded, (SEED / "churn" / name).read_bytes(), T0 + timedelta(hours=n))
    assert seeded["versions"].count == 1 and seeded["checks"].count == 6


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edit_page_is_exactly_one_new_version(seeded, name):
    expected = EDITS[name]
    result = store_page(seeded, (SEED / "edits" / name).read_bytes(), T0 + timedelta(hours=1))
    assert expected["new_version"] is True and result.outcome == "changed"
    assert seeded["versions"].count == 2
    version = next(seeded.query("select * from versions where version = 2"))
    assert version["title"] == expected["title"]
    assert version["body"] == expected["body"]
    assert version["byline"] == expected["author"]
    flags = {f for f in ("title", "byline", "body") if version[f"{f}_changed"]}
    assert flags == {"title" if "headline" in name else "byline" if "byline" in name else "body"}


def test_real_crawl_of_seed_then_churn_then_edit(tmp_path, make_cli):
    root = tmp_path / "site"
    root.mkdir()
    page = root / "xi-visit.html"
    shutil.copy(SEED / "page.html", page)
    with DemoServer(root) as server:
        (root / "feed.xml").write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Xi</title>'
            f"<link>{server.base_url}/xi-visit.html</link></item></channel></rss>")
        cli = make_cli(write_sources(tmp_path / "s.toml", server.base_url, sitemaps=False,
                                     sections=False).read_text().replace("'/news/'", "'xi-visit'"))
        cli("crawl")
        shutil.copy(SEED / "churn" / "page-2.html", page)
        cli("recheck", "--all")
        shutil.copy(SEED / "edits" / "03-number-corrected.html", page)
        cli("recheck", "--all")
    with sqlite3.connect(cli.db) as conn:
        outcomes = [r[0] for r in conn.execute("select outcome from checks order by id")]
        body = conn.execute("select body from versions where version = 2").fetchone()[0]
    assert outcomes == ["new", "unchanged", "changed"]
    assert body == EDITS["03-number-corrected.html"]["body"]
