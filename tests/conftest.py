"""Shared fixtures: a real HTTP server on 127.0.0.1:0 serving a site in tmp_path, real SQLite files,
and the real `newswatch` CLI run as a separate process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from newswatch.demosite import DemoServer, generate_site

REPO = Path(__file__).resolve().parents[1]
# CI lays shared/ beside the clone; a clone elsewhere (e.g. /tmp) can point at it with NEWSWATCH_SHARED.
SHARED = Path(os.environ.get("NEWSWATCH_SHARED") or REPO.parent / "shared")
if not SHARED.exists() and Path("/work/shared").exists():
    SHARED = Path("/work/shared")
FIXTURES = SHARED / "fixtures"


@dataclass
class Cli:
    """Runs `newswatch --db … --sources …` in a child process, like a user would."""

    db: Path
    sources: Path
    cwd: Path
    prefix: tuple[str, ...] = ()  # runs it through this command (e.g. setpriv with fewer capabilities)

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
        result = subprocess.run(
            [*self.prefix, sys.executable, "-m", "newswatch", "--db", str(self.db), "--sources", str(self.sources),
             *args], capture_output=True, text=True, cwd=self.cwd, env=env, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"newswatch {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def json_lines(self, *args: str) -> list[dict]:
        return [json.loads(line) for line in self(*args).stdout.splitlines() if line.strip()]


def write_sources(path: Path, base_url: str, *, name: str = "demo", extra: str = "",
                  feeds: bool = True, sitemaps: bool = True, sections: bool = True) -> Path:
    lines = ["[[source]]", f'name = "{name}"']
    if feeds:
        lines.append(f'feeds = ["{base_url}/feed.xml"]')
    if sitemaps:
        lines.append(f'sitemaps = ["{base_url}/sitemap.xml"]')
    if sections:
        lines.append(f'start_urls = ["{base_url}/index.html"]')
    lines += ['allowed_domains = ["127.0.0.1"]', "article_pattern = '/news/'", extra]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def served_site(tmp_path: Path, articles: int, *, seed: int, extra: str = "") -> Iterator[tuple[DemoServer, Cli]]:
    """A generated site of `articles` articles served on 127.0.0.1 (its files in server.root,
    read at request time), and a Cli whose sources file crawls it."""
    root = tmp_path / "site"
    with DemoServer(root) as server:
        generate_site(root, articles, seed=seed, base_path=server.base_url)
        sources = write_sources(tmp_path / "s.toml", server.base_url, extra=extra)
        yield server, Cli(tmp_path / "n.db", sources, tmp_path)


@pytest.fixture
def site(tmp_path):
    """A small generated news site served on 127.0.0.1 (files are read at request time)."""
    info = generate_site(tmp_path / "site", 8, seed=7)
    with DemoServer(tmp_path / "site") as server:
        yield info, server


@pytest.fixture
def cli(tmp_path, site) -> Cli:
    _, server = site
    sources = write_sources(tmp_path / "sources.toml", server.base_url)
    return Cli(db=tmp_path / "newswatch.db", sources=sources, cwd=tmp_path)


@pytest.fixture
def make_cli(tmp_path):
    """A Cli for a sources file the test writes itself."""
    def make(sources_text: str, name: str = "sources.toml") -> Cli:
        path = tmp_path / name
        path.write_text(sources_text, encoding="utf-8")
        return Cli(db=tmp_path / "newswatch.db", sources=path, cwd=tmp_path)
    return make


def wait_for(predicate, timeout: float = 60.0) -> None:
    """Poll `predicate` every 0.2 s until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")
