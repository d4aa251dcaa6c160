"""The public Python API: what `newswatch` exports is real, documented, cheap to import, and the
worked examples of docs/python-api.md and the README run against a database made by a real crawl."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys

import pytest

import newswatch
from newswatch.demosite import edit_articles
from tests.conftest import REPO, served_site

API_DOC = REPO / "docs" / "python-api.md"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M)


@pytest.mark.parametrize("name", newswatch.__all__)
def test_every_exported_name_exists_has_a_docstring_and_is_documented(name):
    value = getattr(newswatch, name)
    assert (value.__doc__ or "").strip(), f"newswatch.{name} has no docstring"
    assert re.search(rf"`(newswatch\.)?{name}\b", API_DOC.read_text()), f"{name} missing from {API_DOC}"


def test_the_package_is_typed():
    assert (REPO / "newswatch" / "py.typed").exists()
    assert '"py.typed"' in (REPO / "pyproject.toml").read_text()


def test_import_newswatch_loads_none_of_what_it_wraps():
    code = "import sys, newswatch; print(' '.join(sys.modules))"
    loaded = set(subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.split())
    heavy = {"db", "crawler", "scheduler", "sqlite_utils", "click", "scrapy", "lxml", "newswatch.cli"}
    assert not loaded & heavy, loaded & heavy


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        newswatch.nothing_here  # noqa: B018


def test_lookups_of_a_crawled_article(tmp_path):
    with served_site(tmp_path, 2, seed=5) as (_, cli):
        cli("crawl")
    db = newswatch.open_database(cli.db)
    url = db.execute("select url from articles limit 1").fetchone()[0]
    with pytest.raises(newswatch.VersionNotFound, match="only one version; nothing to compare"):
        newswatch.diff(db, url)
    with pytest.raises(newswatch.ArticleNotFound):
        newswatch.history(db, url + "-not-tracked")
    # found as the commands find it: pasted with tracking parameters, or without its scheme
    assert newswatch.history(db, url + "?utm_source=feed")["url"] == url
    assert newswatch.version(db, url.removeprefix("http://"))["version"] == 1


def test_the_worked_examples_run_against_a_crawled_database(tmp_path):
    with served_site(tmp_path, 4, seed=5) as (server, cli):
        cli("crawl")
        edit_articles(server.root, count=4, seed=2)
        cli("recheck", "--all")
    (tmp_path / "newswatch.db").unlink(missing_ok=True)
    # a copy through SQLite: the last commits may still be in the write-ahead log beside the file
    with sqlite3.connect(cli.db) as source, sqlite3.connect(tmp_path / "newswatch.db") as target:
        source.backup(target)
    (tmp_path / "sources.toml").write_text(cli.sources.read_text())
    blocks = python_blocks(API_DOC.read_text())
    assert blocks, f"no python block in {API_DOC}"
    blocks += python_blocks((REPO / "README.md").read_text())  # the README's taste of it, too
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", "\n".join(blocks)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "versions" in result.stdout and "Rates rise again | Ana Ruiz" in result.stdout, result.stdout
