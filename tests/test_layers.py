"""Guardrails: imports flow newswatch → scheduler → crawler → db, and the README stays true."""
from __future__ import annotations

import re
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
    worker = loaded_after("crawler.run", "crawler.spiders.news", "crawler.pipelines",
                          "crawler.middlewares", "crawler.progress", "crawler.throttle")
    assert "crawler.cleaner" not in worker and "feedparser" not in worker
    # a re-check asks and records its 304s before Scrapy loads (crawler/recheck.py)
    recheck = loaded_after("crawler.run", "crawler.recheck", "crawler.notifications", "crawler.defaults")
    assert not {m.split(".")[0] for m in recheck} & {"scrapy", "twisted", "OpenSSL", "apprise"}
    cli = loaded_after("newswatch.cli", "scheduler.crawls")
    for module in ("apscheduler", "scrapy", "sqlite_utils", "db.store", "db.changes"):
        assert module not in cli


def test_readme_documents_every_command_table_and_setting():
    from click import Group

    from crawler.sources import SETTINGS_KEYS, SOURCE_KEYS
    from newswatch.cli import cli

    readme = (REPO / "README.md").read_text()
    assert readme.lstrip().startswith("# newswatch")
    assert "make demo" in readme[:1500] and "make test" in readme[:1500]
    assert isinstance(cli, Group)
    for command in cli.commands:
        assert f"newswatch {command}" in readme, f"command {command} missing from README"
    for key in SOURCE_KEYS | SETTINGS_KEYS:
        assert re.search(rf"\b{key}\b", readme), f"sources key {key} missing from README"
    import tempfile

    from db.schema import open_db
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(f"{tmp}/x.db")
        names = [t for t in db.table_names() if not t.startswith("versions_fts_")] + db.view_names()
    for name in names:
        assert f"`{name}`" in readme, f"table/view {name} missing from README"
