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
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newswatch.demosite import edit_articles
from tests.conftest import Cli, served_site, write_sources
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
        # How many fit depends on which worker's batch reached the disk first (two workers can
        # fill the last megabyte with one batch each and commit neither): none or some, never all.
        assert stored["articles"] < 100
        status, error = crawl_rows(cli.db)[-1]
        assert status in ("failed (disk full)", "running"), status  # running: not even that fit
        once = cli("run", "--once", check=False, timeout=300)  # the daemon's crawls: the same
        assert once.returncode == EXIT_STORAGE and "Traceback" not in once.stderr, once.stderr
        [said] = error_lines(once)
        assert said.startswith(f"error: {cli.db}: cannot write: the disk is full"), said

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


# Root writes anywhere whatever the permission bits say (CAP_DAC_OVERRIDE): the CLI runs without
# that capability, as any other user would meet a directory it may not write.
NO_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def _probe_write(directory: Path, prefix: tuple[str, ...]) -> bool:
    """Whether a process started through `prefix` can still create a file in `directory`."""
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            f"open({str(directory / 'probe')!r}, 'w')"], capture_output=True)
    (directory / "probe").unlink(missing_ok=True)
    return probe.returncode == 0


@contextmanager
def unwritable(directory: Path, how: str) -> Iterator[tuple[str, ...]]:
    """`directory` made unwritable (chmod 555, or its tmpfs remounted read-only) for the CLI run
    through the prefix this yields; writable again afterwards."""
    if how == "chmod 555":
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to run the CLI without CAP_DAC_OVERRIDE")
        directory.chmod(0o555)
        try:
            if _probe_write(directory, NO_OVERRIDE):
                pytest.skip("permission bits do not stop this user (no capability to drop)")
            yield NO_OVERRIDE
        finally:
            directory.chmod(0o755)
        return
    subprocess.run(["mount", "-o", "remount,ro", str(directory)], check=True)
    try:
        yield ()
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(directory)], check=True)


@pytest.fixture(params=["chmod 555", "read-only mount"])
def directory(request, tmp_path) -> Iterator[tuple[Path, str]]:
    if request.param == "chmod 555":
        (tmp_path / "data").mkdir()
        yield tmp_path / "data", request.param
        return
    yield request.getfixturevalue("small_disk"), request.param


READS = {"status": ("status", "--json"), "changes": ("changes", "--since", "all", "--json"),
         "search": ("search", "the", "--json"), "export": ("export", "--what", "versions"),
         "events": ("events", "--since", "all", "--json"), "articles": ("articles", "--json"),
         "errors": ("errors", "--json"), "doctor": ("doctor", "--json")}


def test_a_directory_that_cannot_be_written_leaves_reads_working_and_writes_one_line(tmp_path,
                                                                                     directory):
    folder, how = directory
    with served_site(tmp_path, 20, seed=3, extra=FAST) as (server, cli):
        cli.db = folder / "n.db"
        cli("crawl", "--workers", "1")
        edit_articles(server.root, count=5, seed=2)
        cli("recheck", "--all", "--workers", "1")
        conn = sqlite3.connect(f"file:{cli.db}?mode=ro", uri=True)
        url = conn.execute("select url from articles where version_count = 2 limit 1").fetchone()[0]
        conn.close()
        per_article = {"history": ("history", url, "--json"), "show": ("show", url, "--json"),
                       "diff": ("diff", url, "--format", "json")}
        before = {name: cli(*args).stdout for name, args in {**READS, **per_article}.items()}
        if how == "chmod 555":  # the last connection to close removes the -wal and -shm files:
            conn = sqlite3.connect(cli.db)  # only the database file is left (read as immutable)
            conn.execute("select count(*) from articles").fetchone()
            conn.close()  # the read-only mount keeps the ones readers left (read-only -shm)
        files = sorted(p.name for p in folder.iterdir())
        data = cli.db.read_bytes()

        with unwritable(folder, how) as prefix:
            cli.prefix = prefix
            for name, args in {**READS, **per_article}.items():
                result = cli(*args, check=False)
                assert (result.returncode, result.stderr.count("error")) == (0, 0), (name, result.stderr)
                if name != "status":  # its "now" and due counts move with the clock
                    assert result.stdout == before[name], name
            line = (f"error: {cli.db}: cannot write in {folder}: the directory is not writable "
                    f"(SQLite needs it for its -wal/-shm files); ")
            for args in (("crawl",), ("recheck", "--all"), ("run", "--once"), ("reclean",),
                         ("doctor", "--fix-false-versions")):
                result = cli(*args, check=False)
                assert result.returncode == EXIT_STORAGE, (args, result.stderr)
                assert "Traceback" not in result.stderr and "finished" not in result.stderr, args
                [said] = error_lines(result)
                assert said.startswith(line) and said.endswith("read-only queries still work"), said
            output = folder / "out.jsonl"  # an export into that directory: where, why, the fix
            result = cli("export", "-o", str(output), check=False)
            [said] = error_lines(result)
            assert result.returncode == 2 and said.startswith(f"error: {output}: cannot write it ("), said
            assert said.endswith("); choose another file with -o"), said
        assert cli.db.read_bytes() == data  # nothing written, not even a -wal or -shm
        assert sorted(p.name for p in folder.iterdir()) == files
        assert how != "chmod 555" or files == ["n.db"]


def test_a_database_that_needs_upgrading_in_a_directory_that_cannot_be_written_says_so(tmp_path):
    from db.schema import open_db

    (tmp_path / "data").mkdir()
    db = tmp_path / "data" / "n.db"
    open_db(db).close()
    with sqlite3.connect(db) as conn:  # as a database made by the release before the last migration
        last = conn.execute("select name from _migrations order by rowid desc limit 1").fetchone()[0]
        conn.execute("delete from _migrations where name = ?", [last])
    conn.close()
    cli = Cli(db, write_sources(tmp_path / "s.toml", "http://127.0.0.1:9"), tmp_path)
    with unwritable(db.parent, "chmod 555") as prefix:
        cli.prefix = prefix
        result = cli("status", check=False)
    assert result.returncode == EXIT_STORAGE and "Traceback" not in result.stderr
    assert error_lines(result) == [
        f"error: {db}: cannot write in {db.parent}: the directory is not writable (SQLite needs it "
        f"for its -wal/-shm files); the database needs upgrading first (1 migration pending): run "
        f"a newswatch command where it can be written"]


def test_an_export_to_a_full_disk_says_so_and_leaves_no_file(tmp_path, small_disk):
    with served_site(tmp_path, 20, seed=3, extra=FAST) as (server, cli):
        cli("crawl", "--workers", "1")
    with open(small_disk / "ballast", "wb") as ballast:  # every byte of the disk taken
        with pytest.raises(OSError):
            while True:
                ballast.write(b"\0" * 65536)
                ballast.flush()
    target = small_disk / "versions.jsonl"
    result = cli("export", "--what", "versions", "-o", str(target), check=False)
    assert result.returncode == EXIT_STORAGE and "Traceback" not in result.stderr, result.stderr
    assert error_lines(result) == [
        f"error: {target}: cannot write: the disk is full (0 bytes left on {small_disk}); free "
        f"space on {small_disk} or write it elsewhere with -o"]
    assert sorted(p.name for p in small_disk.iterdir()) == ["ballast"]  # no part of a file
