"""Hostile storage: a full disk, a damaged database file, a directory that cannot be written.

Each test makes the condition for real (a 3 MB filesystem of its own, garbage written over pages
of a database a crawl made, a directory the CLI's unprivileged user cannot write) and runs the
real CLI: one line that names the file and the fix, a non-zero exit, nothing half-written.
"""
from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from newswatch.demosite import edit_articles
from tests.conftest import served_site
from tests.invariants import check_database

EXIT_STORAGE = 3


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def crawl_rows(db: Path) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("select status, error from crawls order by id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB filesystem (tmpfs) of its own, unmounted whatever the test does."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        # PRAGMA max_page_count is no substitute: it holds for one connection, not for the
        # CLI's own processes; a loop device needs the same mount privilege.
        pytest.skip(f"a full disk needs a small filesystem, and mount failed here: "
                    f"{mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


FAST = "\n[settings]\nrequests_per_second = 1000\n"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_full_disk_stops_the_crawl_with_one_line_and_the_next_run_continues(tmp_path, small_disk,
                                                                              workers):
    with served_site(tmp_path, 100, seed=3, extra=FAST) as (server, cli):
        cli.db = small_disk / "n.db"
        (small_disk / "ballast").write_bytes(b"\0" * (2 << 20))  # 1 MB left: some 20 articles fit
        full = cli("crawl", "--workers", workers, check=False, timeout=300)
        assert full.returncode == EXIT_STORAGE, full.stderr[-3000:]
        assert "Traceback" not in full.stderr, full.stderr[-3000:]
        assert error_lines(full) == [line for line in full.stderr.splitlines() if "error" in line]
        [line] = error_lines(full)
        assert f"{cli.db}: cannot write: the disk is full" in line
        assert f"left on {small_disk}); free space on {small_disk} or move the database with --db" in line
        assert "finished" not in full.stderr
        stored = check_database(cli.db)  # whole versions only: every failed batch rolled back
        assert 0 < stored["articles"] < 100
        status, error = crawl_rows(cli.db)[-1]
        assert status in ("failed (disk full)", "running"), status  # running: not even that fit

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        again = cli("crawl", timeout=300)
        assert "error" not in again.stderr
        assert check_database(cli.db)["articles"] == 100
        statuses = [s for s, _ in crawl_rows(cli.db)]
        assert statuses[-1] == "finished" and "running" not in statuses, statuses


def damage(db: Path, seed: int = 1) -> None:
    """Garbage over the middle half of the file's pages; the header (page 1) stays intact."""
    pages = db.stat().st_size // 4096
    rng = random.Random(seed)
    with open(db, "r+b") as file:
        for page in range(pages // 4, 3 * pages // 4):
            file.seek(page * 4096)
            file.write(rng.randbytes(4096))


def test_a_damaged_database_gets_one_line_naming_the_recovery_from_every_command(tmp_path):
    with served_site(tmp_path, 60, seed=3, extra=FAST) as (server, cli):
        cli("crawl", "--workers", "1")
        edit_articles(server.root, count=30, seed=2)
        cli("recheck", "--all", "--workers", "1")
        url = sqlite3.connect(cli.db).execute("select url from articles limit 1").fetchone()[0]
        previous = tmp_path / "previous.jsonl"
        cli("export", "--what", "versions", "-o", str(previous))
        kept = previous.read_bytes()
        assert kept.count(b"\n") >= 90  # 60 first versions and 30 edits
        damage(cli.db)

        fresh = tmp_path / "fresh.jsonl"
        runs = {"status": cli("status", check=False),
                "search": cli("search", "the", check=False),
                "history": cli("history", url, check=False),
                "changes": cli("changes", "--since", "all", check=False),
                "export (new file)": cli("export", "--what", "versions", "-o", str(fresh), check=False),
                "export (over a file)": cli("export", "--what", "versions", "-o", str(previous),
                                            check=False),
                "crawl": cli("crawl", check=False)}
        recovered = cli.db.with_name("n-recovered.db")
        for name, result in runs.items():
            assert result.returncode == EXIT_STORAGE, (name, result.returncode, result.stderr)
            assert "Traceback" not in result.stderr, (name, result.stderr)
            [line] = error_lines(result)
            assert line.startswith(f"error: {cli.db}: the database file is damaged ("), (name, line)
            assert line.endswith(f"); recover what it holds into a new file with: sqlite3 {cli.db} "
                                 f"\".recover\" | sqlite3 {recovered} and use --db {recovered}"), line
            assert "finished" not in result.stderr, (name, result.stderr)
        assert not fresh.exists() and previous.read_bytes() == kept  # whole files only
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary

        if shutil.which("sqlite3") is None:
            return  # the fix the line gives needs the sqlite3 shell; the rest holds without it
        rows = subprocess.run(["sqlite3", str(cli.db), ".recover"], capture_output=True).stdout
        subprocess.run(["sqlite3", str(recovered)], input=rows, check=True)
        cli.db = recovered
        assert cli("status").returncode == 0
        assert cli("crawl").returncode == 0  # goes on: what was lost is fetched again
