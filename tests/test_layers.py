"""Guardrails: imports flow newswatch → scheduler → crawler → db; start-up loads only what it needs."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

LAYERS = {"db": set(), "crawler": {"db"}, "scheduler": {"crawler", "db"}}
OURS = ("db", "crawler", "scheduler", "newswatch")


def loaded_after(*modules: str) -> set[str]:
    """The modules a fresh interpreter has loaded after importing `modules`."""
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(' '.join(sys.modules))")
    return set(subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.split())


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_flow_one_way(package):
    modules = [p.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
               for p in (REPO / package).rglob("*.py")]
    modules = [m.removesuffix(".__init__") for m in modules if "__main__" not in m]
    loaded = {m.split(".")[0] for m in loaded_after(*modules)}
    ours = (loaded & set(OURS)) - {package}
    assert ours <= LAYERS[package], f"{package} loads {ours - LAYERS[package]}"


def test_cleaner_import_is_cheap_and_pure():
    loaded = loaded_after("crawler.cleaner")
    assert "scrapy" not in loaded and "db" not in loaded


def test_start_up_loads_only_what_the_work_needs():
    """Every crawl process pays its imports before its first request: a re-check whose pages all
    answer 304 never cleans or reads a feed. The CLI starts a crawl's workers before it opens the
    database: it needs neither APScheduler nor sqlite-utils nor the diff machinery by then."""
    worker = loaded_after("crawler.child", "crawler.spiders.news", "crawler.pipelines",
                          "crawler.middlewares", "crawler.progress", "crawler.throttle")
    assert "crawler.cleaner" not in worker and "feedparser" not in worker
    # a re-check asks and records its 304s before Scrapy loads (crawler/recheck/precheck.py)
    recheck = loaded_after("crawler.child", "crawler.recheck.precheck", "crawler.notifications", "crawler.defaults")
    assert not {m.split(".")[0] for m in recheck} & {"scrapy", "twisted", "OpenSSL", "apprise"}
    cli = loaded_after("newswatch.cli", "scheduler.crawls")
    for module in ("apscheduler", "scrapy", "sqlite_utils", "db.store", "db.changes"):
        assert module not in cli
