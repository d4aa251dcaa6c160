"""Shared fixtures: a real HTTP server on 127.0.0.1:0 serving a site in tmp_path, real SQLite files,
and the real `newswatch` CLI (crawls as separate processes, read-only queries in this one)."""
from __future__ import annotations

import gc
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newswatch.demosite import DemoServer, generate_site

REPO = Path(__file__).resolve().parents[1]
# CI lays shared/ beside the clone; a clone elsewhere (e.g. /tmp) can point at it with NEWSWATCH_SHARED.
SHARED = Path(os.environ.get("NEWSWATCH_SHARED") or REPO.parent / "shared")
if not SHARED.exists() and Path("/work/shared").exists():
    SHARED = Path("/work/shared")
FIXTURES = SHARED / "fixtures"


# Commands that read the database without starting a crawl, a server or a child process, nor
# cleaning pages (which imports the sources file's site parsers): run in this process by click's
# CliRunner, which saves the ~1 s of a Python start-up each. The others (crawl, recheck, add, run,
# reclean, doctor, serve, worker, ingest, backfill, demo) run as a child process, as a user runs
# them: signals, kills, child processes and a fresh import of the parsers are what they test.
IN_PROCESS = frozenset({"changes", "diff", "history", "show", "export", "search", "headlines",
                        "articles", "events", "errors", "fronts", "sources", "feed", "status",
                        "archive", "remove"})


@dataclass
class Cli:
    """Runs `newswatch --db … --sources …` like a user would: the exit code, stdout and stderr
    of the command, in a child process, or in this one for a query (see IN_PROCESS)."""

    db: Path
    sources: Path
    cwd: Path
    prefix: tuple[str, ...] = ()  # runs it through this command (e.g. setpriv with fewer capabilities)
    in_process: bool = True  # False: every command in a child process (the files it leaves matter)

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        base = ("--db", str(self.db), "--sources", str(self.sources))
        if self.in_process and not self.prefix and args and args[0] in IN_PROCESS:
            result = run_in_process([*base, *args], self.cwd)
        else:
            env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")
            result = subprocess.run([*self.prefix, sys.executable, "-m", "newswatch", *base, *args],
                                    capture_output=True, text=True, cwd=self.cwd, env=env, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"newswatch {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def json_lines(self, *args: str) -> list[dict]:
        return [json.loads(line) for line in self(*args).stdout.splitlines() if line.strip()]


def run_in_process(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`newswatch ARGS` in this process (click's CliRunner), answered as a child process would:
    an uncaught exception is exit 1 with its traceback on stderr."""
    from click.testing import CliRunner

    from newswatch.cli import cli

    runner = CliRunner(env={"NEWSWATCH_DB": "", "NEWSWATCH_SOURCES": "", "NEWSWATCH_REDIS": ""})
    before, path, modules = Path.cwd(), list(sys.path), set(sys.modules)
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, args, prog_name="newswatch", catch_exceptions=True)
    finally:
        os.chdir(before)
        sys.path[:] = path  # a sources file's parser modules are imported afresh next time, as
        for name in set(sys.modules) - modules:  # by a new process
            where = str(getattr(sys.modules[name], "__file__", None) or sys.prefix)
            if not where.startswith((sys.prefix, sys.base_prefix, str(REPO))):
                del sys.modules[name]
    stdout, stderr = result.stdout, result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n"
        stderr += "".join(traceback.format_exception(result.exception))
    code = result.exit_code
    del result
    gc.collect()  # an exception's frames may hold the command's database connection: close it now
    return subprocess.CompletedProcess(["newswatch", *args], code, stdout, stderr)


def source_block(base_url: str, *, name: str = "demo", extra: str = "", feeds: bool = True,
                 sitemaps: bool = True, sections: bool = True) -> str:
    """One [[source]] table for a generated site (and `extra` lines after it)."""
    lines = ["[[source]]", f'name = "{name}"']
    if feeds:
        lines.append(f'feeds = ["{base_url}/feed.xml"]')
    if sitemaps:
        lines.append(f'sitemaps = ["{base_url}/sitemap.xml"]')
    if sections:
        lines.append(f'start_urls = ["{base_url}/index.html"]')
    lines += ['allowed_domains = ["127.0.0.1"]', "article_pattern = '/news/'", extra]
    return "\n".join(lines) + "\n"


def write_sources(path: Path, base_url: str, *, name: str = "demo", extra: str = "",
                  feeds: bool = True, sitemaps: bool = True, sections: bool = True) -> Path:
    """A sources file crawling a generated site with one crawl process (a test's crawl of a few
    dozen pages gains nothing from a second Scrapy start-up; tests of sharded crawls say
    `workers` themselves, in `extra` or with add_settings)."""
    path.write_text(source_block(base_url, name=name, extra=extra, feeds=feeds, sitemaps=sitemaps,
                                 sections=sections), encoding="utf-8")
    if not re.search(r"^\s*workers\s*=", extra, re.M):
        add_settings(path, "workers = 1")
    return path


def add_settings(path: Path, lines: str) -> Path:
    """Put `lines` (key = value lines) in the sources file's [settings] table, which is made
    if there is none: TOML allows one table of a name."""
    text = path.read_text(encoding="utf-8")
    header = re.search(r"^\[settings\][ \t]*$", text, re.M)
    if header is None:
        text = f"[settings]\n{lines.strip()}\n\n{text}"
    else:
        text = f"{text[:header.end()]}\n{lines.strip()}{text[header.end():]}"
    path.write_text(text, encoding="utf-8")
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


class LocalServer:
    """A threading HTTP server on 127.0.0.1 (port 0: any free one) for a test's own request
    handler, started and stopped as a context manager; subclasses record what clients send."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def free_port() -> int:
    """A port nothing listens on now, for a child server that takes --port; a child that finds
    it taken meanwhile (another test's server) exits, and `start_on_free_port` tries another."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_on_free_port(start, answers, *, tries: int = 5, timeout: float = 30,
                       log=lambda: "") -> tuple[subprocess.Popen, int]:
    """`start(port)` -> Popen of a server told its port; waits until `answers(port)` holds. A
    server that exited (its port taken meanwhile by another test's) is started on another port;
    `log()` (else the server's stderr, when a pipe) says why in the failure."""
    for _ in range(tries):
        port = free_port()
        process = start(port)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if answers(port):
                return process, port
            time.sleep(0.1)
        if process.poll() is None:
            process.terminate()
            process.wait(10)
            raise AssertionError(f"{process.args[:4]} did not answer on port {port} within {timeout} s: "
                                 f"{log()}")
    said = log() or (process.stderr.read() if process.stderr else "")
    raise AssertionError(f"{process.args[:4]} exited {process.returncode} on {tries} ports: {said}")


def query(db: Path, sql: str, params=()) -> list[dict]:
    """The rows of a read-only SQL query on the database file, as dicts."""
    conn = sqlite3.connect(db)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def wait_for(predicate, timeout: float = 60.0) -> None:
    """Poll `predicate` every 0.05 s until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the marks
def pytest_collection_modifyitems(items) -> None:
    """Under pytest-xdist (`make test` runs `--dist loadgroup`), the tests of a module that share
    a module-scoped fixture (one crawl, one server, one browser) run on one worker, so that the
    fixture is set up once rather than once per worker."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        if any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))



def pytest_collection_finish(session) -> None:
    """On an xdist worker, a module group that did not reach xdist's scheduler (its node ids
    lack the "@group" suffix) would set the module's crawl up once per worker, silently: fail."""
    if not getattr(session.config.option, "loadgroup", False):  # set on xdist workers only
        return
    lost = [item.nodeid for item in session.items if (mark := item.get_closest_marker("xdist_group"))
            and not item.nodeid.endswith(f"@{mark.args[0]}")]
    if lost:
        raise pytest.UsageError(f"--dist loadgroup lost the group of {lost[0]} (and {len(lost) - 1} more): "
                                "this pytest and pytest-xdist do not agree on node ids; see pyproject.toml")
