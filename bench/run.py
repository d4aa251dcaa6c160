"""`make bench`: newswatch against its baselines, side by side, in one run.

    .venv/bin/python bench/run.py                  # 5,000 articles
    .venv/bin/python bench/run.py --quick          # ~300 articles, the CI smoke test
    .venv/bin/python bench/run.py --memory         # + peak RSS over a 20,000-article crawl
    .venv/bin/python bench/run.py --queries        # + bench/changes_queries.py at 100,000 x 10

Generates a synthetic news site (newswatch.demosite: ~57 KB pages full of boilerplate, a sitemap
index, feeds) and serves it with nginx from Debian on 127.0.0.1: one port with ETag and
Last-Modified honoured, one that ignores validators. Then, each against its baseline in the same
run: a fresh crawl (a do-nothing Scrapy spider, the naive Scrapy + trafilatura + sqlite-utils
pipeline, newswatch on one and on every core), re-checks of every article with a fraction edited
(validators honoured, validators ignored, every page's chrome churned), database bytes per
version and per check. Prints a Markdown table and one `ratio NAME = X` line per ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from newswatch.demosite import churn_chrome, edit_articles, generate_site  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
RATIOS = ("fresh_vs_naive", "fresh_vs_null", "workers_speedup", "recheck_vs_null",
          "recheck_ignored_vs_null", "recheck_churned_vs_naive")


# -- nginx ----------------------------------------------------------------------------------
class Nginx:
    """nginx on two free 127.0.0.1 ports, one process (master_process off), started and stopped
    by its own PID: `honoured` sends ETag and answers If-None-Match / If-Modified-Since with 304,
    `ignored` sends no ETag and ignores If-Modified-Since (a server that ignores validators)."""

    def __init__(self, root: Path, workdir: Path):
        self.root, self.workdir = root, workdir
        self.honoured, self.ignored = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        w = self.workdir
        temp = "".join(f"{name}_temp_path {w}/{name}_temp;\n  " for name in
                       ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        server = ("server {{ listen 127.0.0.1:{port}; root {root}; {validators} "
                  "location / {{ try_files $uri $uri/index.html =404; }} }}")
        return f"""daemon off;
master_process off;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  {temp}
  {server.format(port=self.honoured, root=self.root, validators="etag on; if_modified_since exact;")}
  {server.format(port=self.ignored, root=self.root, validators="etag off; if_modified_since off;")}
}}
"""

    def __enter__(self) -> "Nginx":
        conf = self.workdir / "nginx.conf"
        conf.write_text(self.config())
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([binary, "-p", str(self.workdir), "-e", str(self.workdir / "error.log"),
                                         "-c", str(conf)], stdin=subprocess.DEVNULL)
        for _ in range(100):
            if all(port_open(p) for p in (self.honoured, self.ignored)):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.workdir / "error.log").read_text() if (self.workdir / "error.log").exists() else ""
        self.__exit__()
        raise RuntimeError(f"nginx did not start: {log.strip()[-500:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # our PID only: graceful stop
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def url(self, port: int, path: str = "/sitemap.xml") -> str:
        return f"http://127.0.0.1:{port}{path}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# -- measuring ------------------------------------------------------------------------------
@dataclass
class Run:
    name: str
    pages: int
    wall: float  # the whole command, process start included
    nginx_cpu: float  # seconds of nginx CPU during the run
    detail: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.pages / self.wall if self.wall else 0.0


def timed(name: str, command: list[str], server: Nginx, env: dict | None = None) -> tuple[Run, str]:
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr[-2000:]}")
    return Run(name, 0, wall, server.cpu_seconds() - cpu), done.stdout


def baseline(name: str, script: str, server: Nginx, *args: str) -> Run:
    run, out = timed(name, [sys.executable, str(BENCH / script), server.url(server.honoured), *args],
                     server)
    run.pages = json.loads(out.strip().splitlines()[-1])["pages"]
    return run


def newswatch(name: str, server: Nginx, db: Path, sources: Path, *args: str) -> Run:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "newswatch", "--db", str(db), "--sources", str(sources), *args,
               "--json"]
    run, out = timed(name, command, server, env)
    row = json.loads(out.strip().splitlines()[-1])
    with sqlite3.connect(db) as conn:
        outcomes = dict(conn.execute("select outcome, count(*) from checks where crawl_id = ? "
                                     "group by outcome", [row["id"]]).fetchall())
    run.pages = row["fetched"]
    run.detail = {"row": row, "outcomes": outcomes,
                  # what reached the cleaner: everything but 304s and byte-identical bodies
                  "cleaned": row["fetched"] - outcomes.get("not_modified", 0)
                  - outcomes.get("unchanged_raw", 0)}
    return run


def write_sources(path: Path, sitemap: str, workers: int | None = None) -> Path:
    # The benchmark site is local: lift the politeness limits (requests_per_second, concurrency).
    # max_crawls = 1: the benchmark runs one crawl at a time, so none of the rate is kept back
    # for a second crawl (`run` would share it between max_crawls crawls; default 2).
    path.write_text("[settings]\nrequests_per_second = 10000\nconcurrent_per_domain = 32\n"
                    "max_crawls = 1\n"
                    + (f"workers = {workers}\n" if workers else "")
                    + f'[[source]]\nname = "bench"\nsitemaps = ["{sitemap}"]\n'
                    "article_pattern = '/news/'\n")
    return path


def copy_db(source: Path, target: Path, old_port: int, new_port: int) -> None:
    """A copy (WAL included) whose articles live on the other port of the same nginx."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        old, new = f"127.0.0.1:{old_port}/", f"127.0.0.1:{new_port}/"
        dst.execute("update articles set url = replace(url, ?, ?)", [old, new])
        tables = {r[0] for r in dst.execute("select name from sqlite_master where type = 'table'")}
        if "aliases" in tables:
            dst.execute("update aliases set url = replace(url, ?, ?)", [old, new])


def db_bytes(db: Path) -> dict:
    """Bytes per stored version (versions, their full-text index, change records, kept pages)
    and per check row, from SQLite's dbstat (pages actually used, indexes included)."""
    with sqlite3.connect(db) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
        sizes = dict(conn.execute("select name, sum(pgsize) from dbstat group by name").fetchall())
        indexes = dict(conn.execute("select name, tbl_name from sqlite_master where type = 'index'"))
        versions = conn.execute("select count(*) from versions").fetchone()[0]
        checks = conn.execute("select count(*) from checks").fetchone()[0]
    table = {name: indexes.get(name, name) for name in sizes}
    def total(match) -> int:
        return sum(size for name, size in sizes.items() if match(table[name]))
    version_bytes = total(lambda t: t == "versions" or t.startswith("versions_fts")
                          or t in ("change_records", "version_html"))
    check_bytes = total(lambda t: t == "checks")
    return {"versions": versions, "checks": checks, "per_version": version_bytes / max(versions, 1),
            "per_check": check_bytes / max(checks, 1), "file": db.stat().st_size}


# -- memory ---------------------------------------------------------------------------------
def rss_of(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def memory_run(tmp: Path, server_root: Path, articles: int) -> list[str]:
    """Crawl `articles` articles with newswatch, sampling every process's RSS from /proc."""
    generate_site(server_root, articles, seed=3)
    with Nginx(server_root, tmp) as server:
        sources = write_sources(tmp / "memory.toml", server.url(server.honoured))
        db = tmp / "memory.db"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        child = subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(db), "--sources",
                                  str(sources), "crawl"], cwd=REPO, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples: list[tuple[int, dict[int, int]]] = []
        while child.poll() is None:
            pids = [child.pid, *descendants(child.pid)]
            done = 0
            if db.exists():
                try:
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                        done = conn.execute("select count(*) from checks").fetchone()[0]
                except sqlite3.Error:
                    pass
            samples.append((done, {pid: rss_of(pid) for pid in pids}))
            time.sleep(0.5)
    peaks: dict[int, int] = {}
    for _, rss in samples:
        for pid, value in rss.items():
            peaks[pid] = max(peaks.get(pid, 0), value)
    workers = sorted(peaks.items(), key=lambda kv: -kv[1])
    marks = []
    for quarter in (0.25, 0.5, 0.75, 1.0):
        hit = next((rss for done, rss in samples if done >= quarter * articles), samples[-1][1])
        marks.append(f"{int(quarter * 100)}%: {max(hit.values()) / 2**20:.0f} MB")
    peak = workers[0][1] / 2**20 if workers else 0
    return [f"| peak RSS per process ({articles:,}-article crawl, {len(peaks)} processes) | | "
            f"{peak:.0f} MB | largest process at {', '.join(marks)} | < 300 MB, flat |"]


# -- the run --------------------------------------------------------------------------------
def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores ({model}), {mem / 2**20:.0f} GB RAM, Python {platform.python_version()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--mutate", type=float, default=0.05, metavar="FRACTION",
                        help="fraction of articles edited before the re-checks [0.05]")
    parser.add_argument("--quick", action="store_true", help="~300 articles (CI smoke test)")
    parser.add_argument("--memory", action="store_true", help="+ RSS over a 20,000-article crawl")
    parser.add_argument("--memory-articles", type=int, default=20_000)
    parser.add_argument("--queries", action="store_true",
                        help="+ bench/changes_queries.py at 100,000 articles x 10 versions")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles = min(args.articles, 300)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as tmp:
        tmp = Path(tmp)
        site = tmp / "site"
        generate_site(site, args.articles, seed=1)  # relative links: one site, both ports
        with Nginx(site, tmp) as server:
            rows, ratios = measure(args, tmp, site, server, workers)
            # the site's whole life under nginx, for its CPU share
            share = ratios.pop("_nginx_share")
        if args.memory:
            (tmp / "mem").mkdir()
            rows += memory_run(tmp / "mem", tmp / "memsite", args.memory_articles)
    print(f"\n## newswatch benchmark: {args.articles:,} articles, {args.mutate:.0%} edited "
          f"(`{' '.join(['.venv/bin/python', 'bench/run.py', *(argv or sys.argv[1:])])}`)\n")
    print(f"Machine: {machine()}; nginx {nginx_version()} on 127.0.0.1 "
          f"(one process, {share:.0%} of one core over the run)\n")
    print("| measurement | baseline | newswatch | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        print(row)
    print()
    for name in RATIOS:
        print(f"ratio {name} = {ratios[name]:.2f}")
    if args.queries:
        print("\n### `changes` and `search` at 100,000 articles x 10 versions\n", flush=True)
        subprocess.run([sys.executable, str(BENCH / "changes_queries.py")], check=True, cwd=REPO)
    return 0


def measure(args, tmp: Path, site: Path, server: Nginx, workers: int) -> tuple[list[str], dict]:
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    null = baseline("null", "null_spider.py", server)
    naive = baseline("naive", "naive_spider.py", server, str(tmp / "naive.db"))
    sources = write_sources(tmp / "sources.toml", server.url(server.honoured))
    one = newswatch("newswatch 1 worker", server, tmp / "one.db", sources, "crawl", "--workers", "1")
    db = tmp / "newswatch.db"
    fresh = newswatch(f"newswatch {workers} workers", server, db, sources, "crawl",
                      "--workers", str(workers))
    edited = max(1, round(args.articles * args.mutate))
    edit_articles(site, count=edited, seed=5)
    copy_db(db, tmp / "ignored.db", server.honoured, server.ignored)
    honoured = newswatch("re-check, validators honoured", server, db, sources, "recheck", "--all")
    ignored = newswatch("re-check, validators ignored", server, tmp / "ignored.db", sources,
                        "recheck", "--all")
    churn_chrome(site, seed=7)
    churned = newswatch("re-check, chrome churned", server, db, sources, "recheck", "--all")
    size = db_bytes(db)
    share = (server.cpu_seconds() - cpu0) / (time.perf_counter() - t0)

    def cpu(run: Run) -> str:
        return f"nginx {run.nginx_cpu / run.wall:.0%} CPU"

    def rate(run: Run) -> str:
        return f"{run.rate:,.0f} pages/s"

    ratios = {"fresh_vs_naive": fresh.rate / naive.rate, "fresh_vs_null": fresh.rate / null.rate,
              "workers_speedup": fresh.rate / one.rate,
              "recheck_vs_null": honoured.rate / null.rate,
              "recheck_ignored_vs_null": ignored.rate / null.rate,
              "recheck_churned_vs_naive": churned.rate / naive.rate, "_nginx_share": share}
    rows = [
        f"| do-nothing Scrapy spider, 1 process (the ceiling): {null.pages:,} pages in "
        f"{null.wall:.1f} s | {rate(null)} | | | {cpu(null)} |",
        f"| naive pipeline (Scrapy + trafilatura + sqlite-utils upsert), 1 process: {naive.pages:,} "
        f"pages in {naive.wall:.1f} s | {rate(naive)} | | | {cpu(naive)} |",
        f"| fresh crawl, newswatch `crawl --workers 1` ({one.pages:,} articles in {one.wall:.1f} s) "
        f"vs naive | {rate(naive)} | {rate(one)} | {one.rate / naive.rate:.2f}× | {cpu(one)} |",
        f"| **fresh crawl**, newswatch `crawl` ({workers} workers; {fresh.pages:,} articles in "
        f"{fresh.wall:.1f} s) vs naive | {rate(naive)} | {rate(fresh)} | "
        f"**{ratios['fresh_vs_naive']:.2f}×** | ≥ 1.6× ({cpu(fresh)}) |",
        f"| fresh crawl, newswatch vs the do-nothing spider | {rate(null)} | {rate(fresh)} | "
        f"{ratios['fresh_vs_null']:.2f}× | |",
        f"| fresh crawl, {workers} workers vs 1 | {rate(one)} | {rate(fresh)} | "
        f"{ratios['workers_speedup']:.2f}× | |",
        f"| **re-check all, {edited} edited ({args.mutate:.0%}), validators honoured** vs the "
        f"do-nothing spider ({_outcomes(honoured)}) | {rate(null)} | {rate(honoured)} | "
        f"**{ratios['recheck_vs_null']:.2f}×** | ≥ 1.8× ({cpu(honoured)}) |",
        f"| **re-check all, validators ignored** ({_outcomes(ignored)}; cleaned "
        f"{ignored.detail['cleaned']:,} of {ignored.pages:,}, unchanged raw bodies cleaned: "
        f"{max(0, ignored.detail['cleaned'] - edited):,}) vs the do-nothing spider | {rate(null)} | "
        f"{rate(ignored)} | **{ratios['recheck_ignored_vs_null']:.2f}×** | cleaning skipped for "
        f"every unchanged body ({cpu(ignored)}) |",
        f"| re-check all after chrome churn on every page ({_outcomes(churned)}; cleaned "
        f"{churned.detail['cleaned']:,}) vs naive | {rate(naive)} | {rate(churned)} | "
        f"{ratios['recheck_churned_vs_naive']:.2f}× | no new version from churn: "
        f"{churned.detail['row']['changed']} changed ({cpu(churned)}) |",
        f"| database bytes per stored version (versions + full-text index + change records) | | "
        f"{size['per_version']:,.0f} B | {size['versions']:,} versions | |",
        f"| database bytes per check row (with its indexes) | | {size['per_check']:,.0f} B | "
        f"{size['checks']:,} checks | |",
    ]
    return rows, ratios


def _outcomes(run: Run) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(run.detail["outcomes"].items()))


def nginx_version() -> str:
    done = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True, text=True)
    return done.stderr.strip().rsplit("/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
