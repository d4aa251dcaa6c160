"""WARC capture of every version: real crawls of the demo site, the files read back with warcio
and checked with `warcio check`, `newswatch archive`, WARC/WACZ export, and a kill -9 mid-write."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import STALL_ENV
from newswatch.demosite import edit_articles
from tests.conftest import REPO, served_site, wait_for

ARCHIVED = 'archive = "warc"'
BIN = Path(sys.executable).parent


def responses(folder: Path) -> list[dict]:
    """Every response record of every WARC file under `folder`, with its payload's sha1 recomputed."""
    out = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type != "response":
                    continue
                payload = record.raw_stream.read()
                out.append({"file": path.name, "offset": records.get_record_offset(),
                            "uri": record.rec_headers.get_header("WARC-Target-URI"),
                            "date": record.rec_headers.get_header("WARC-Date"),
                            "digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                            "sha1": "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode(),
                            "status": record.http_headers.get_statuscode()})
    return out


def warcio_check(*files: Path) -> None:
    result = subprocess.run([str(BIN / "warcio"), "check", "-v", *map(str, files)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "digest pass" in result.stdout, result.stdout + result.stderr


def versions(db: Path) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(
            "select a.url, v.version, v.captured_at, v.warc_file, v.warc_offset, v.warc_length "
            "from versions v join articles a on a.id = v.article_id order by v.id")]


def test_one_response_record_per_new_version_with_uri_date_and_digest(tmp_path):
    with served_site(tmp_path, 4, seed=3, extra=ARCHIVED) as (server, cli):
        cli("crawl", "--workers", "2")  # two processes append to the same file, under the lock
        folder = tmp_path / "archive"
        assert len(responses(folder)) == len(versions(cli.db)) == 4
        cli("recheck", "--all")  # nothing changed: no new version, no new record
        assert len(responses(folder)) == 4
        edit_articles(server.root, count=2, seed=4)
        cli("recheck", "--all")
    rows, records = versions(cli.db), responses(folder)
    assert len(rows) == len(records) == 6
    by_place = {(r["file"], r["offset"]): r for r in records}
    for row in rows:
        record = by_place[(row["warc_file"], row["warc_offset"])]
        assert record["uri"] == row["url"] and record["status"] == "200"
        assert record["digest"] == record["sha1"]
        # WARC-Date is the fetch time; the version's captured_at is that time to the second
        assert record["date"][:19] == row["captured_at"][:19]
    warcio_check(*folder.glob("*.warc.gz"))


def test_a_bad_archive_value_is_a_one_line_error_naming_the_key(tmp_path):
    from crawler.sources import SourceConfigError, load_config

    path = tmp_path / "s.toml"
    path.write_text('[settings]\narchive_max_mb = 0\n[[source]]\nname = "a"\n'
                    'feeds = ["http://127.0.0.1/f"]\narchive = "zip"\n')
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "archive_max_mb" in message and "line 2" in message and "\n" not in message
    path.write_text('[[source]]\nname = "a"\nfeeds = ["http://127.0.0.1/f"]\narchive = "zip"\n')
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "line 4" in message and "'zip' is not an archive format" in message


def test_archive_command_prints_file_offset_uri_and_date(tmp_path):
    with served_site(tmp_path, 2, seed=5, extra=ARCHIVED) as (server, cli):
        cli("crawl")
        row = versions(cli.db)[0]
        shown = json.loads(cli("archive", row["url"], "--version", "1", "--json").stdout)
        text = cli("archive", row["url"]).stdout
        missing = cli("archive", row["url"], "--version", "9", check=False)
        (tmp_path / "archive" / row["warc_file"]).rename(tmp_path / "moved.warc.gz")
        lost = cli("archive", row["url"], check=False)
    assert shown["file"] == str(tmp_path / "archive" / row["warc_file"])
    assert shown["offset"] == row["warc_offset"] and shown["target_uri"] == row["url"]
    assert shown["date"][:19] == row["captured_at"][:19]
    assert f"offset {row['warc_offset']}" in text and row["warc_file"] in text
    assert missing.returncode == 2 and "versions 1..1, not 9" in missing.stderr
    assert lost.returncode == 2 and "cannot be read" in lost.stderr and "Traceback" not in lost.stderr
    assert len(lost.stderr.strip().splitlines()) == 1


def test_a_source_without_archive_writes_no_warc(tmp_path):
    with served_site(tmp_path, 2, seed=5) as (server, cli):
        cli("crawl")
    assert not (tmp_path / "archive").exists()
    assert all(r["warc_file"] is None for r in versions(cli.db))


def test_warc_and_wacz_exports_of_an_article_and_a_source(tmp_path):
    with served_site(tmp_path, 3, seed=6, extra=ARCHIVED) as (server, cli):
        cli("crawl")
        edit_articles(server.root, count=1, seed=2)
        cli("recheck", "--all")
        url = next(r["url"] for r in versions(cli.db) if r["version"] == 2)
        cli("export", "--format", "warc", "-o", str(tmp_path / "one.warc.gz"), url)
        cli("export", "--format", "warc", "--source", "demo", "-o", str(tmp_path / "all.warc.gz"))
        cli("export", "--format", "wacz", "-o", str(tmp_path / "one.wacz"), url)
        no_file = cli("export", "--format", "warc", url, check=False)
    one = responses_of(tmp_path / "one.warc.gz")
    assert [r["uri"] for r in one] == [url, url]  # both versions of the article, oldest first
    assert len(responses_of(tmp_path / "all.warc.gz")) == 4
    warcio_check(tmp_path / "one.warc.gz", tmp_path / "all.warc.gz")
    result = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(tmp_path / "one.wacz")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert no_file.returncode == 2 and "add -o FILE" in no_file.stderr
    assert not list(tmp_path.glob(".one*"))  # written in a temp folder, renamed, the folder gone


def responses_of(path: Path) -> list[dict]:
    with open(path, "rb") as stream:
        return [{"uri": r.rec_headers.get_header("WARC-Target-URI")}
                for r in ArchiveIterator(stream) if r.rec_type == "response"]


def test_kill_during_a_warc_write_leaves_a_readable_file_and_no_dangling_version(tmp_path):
    with served_site(tmp_path, 3, seed=8, extra=ARCHIVED) as (server, cli):
        cli("crawl")
        edit_articles(server.root, count=1, seed=3)
        stalled = tmp_path / "stalled"
        env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="",
                   **{STALL_ENV: str(stalled)})
        child = subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                                  str(cli.sources), "recheck", "--all", "--workers", "1"],
                                 env=env, cwd=tmp_path, start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(stalled.exists)  # half a record is on disk, its version not pointed at it
            os.kill(int(stalled.read_text()), signal.SIGKILL)  # the crawl process writing it
        finally:
            os.killpg(child.pid, signal.SIGKILL)  # and the command that started it
            child.wait()
        folder = tmp_path / "archive"
        torn = next(folder.glob("*.warc.gz"))
        assert torn.stat().st_size > sum(r["warc_length"] or 0 for r in versions(cli.db))
        edit_articles(server.root, count=1, seed=9)
        cli("recheck", "--all")  # the next start cuts the partial record off, then appends
    rows = versions(cli.db)
    warcio_check(*folder.glob("*.warc.gz"))
    by_place = {(r["file"], r["offset"]): r for r in responses(folder)}
    pointed = [r for r in rows if r["warc_file"] is not None]
    assert len(pointed) >= 4 and all((r["warc_file"], r["warc_offset"]) in by_place for r in pointed)
    assert all(by_place[(r["warc_file"], r["warc_offset"])]["uri"] == r["url"] for r in pointed)


def test_reclean_reads_the_pages_of_captured_versions_from_the_warc(tmp_path):
    from crawler.cleaner import clean
    from crawler.reclean import reclean_db
    from db.schema import open_db

    with served_site(tmp_path, 3, seed=11, extra=ARCHIVED) as (server, cli):
        cli("crawl")
        edit_articles(server.root, count=1, seed=5)
        cli("recheck", "--all")
        report = json.loads(cli("reclean", "--json").stdout)
    assert report == {"articles": 3, "unchanged": 3, "recleaned": 0, "skipped_without_html": 0,
                      "failed": 0}
    db = open_db(cli.db)
    assert db["version_html"].count == 0  # every page came from the WARC files

    def retitled(html, url, **kw):  # a "new" cleaner: another headline, so every version changes
        a = clean(html, url, **kw)
        return type(a)(**{**a.__dict__, "title": "Re-cleaned: " + a.title, "cleaner_version": "t-2"})

    old = {(r["url"], r["version"]): (r["warc_file"], r["warc_offset"]) for r in versions(cli.db)}
    assert reclean_db(db, clean_page=retitled, archive=tmp_path / "archive")["recleaned"] == 3
    new = {(r["url"], r["version"]): (r["warc_file"], r["warc_offset"]) for r in versions(cli.db)}
    assert new == old  # each rebuilt version still points at the capture it was cleaned from
    assert all(r["title"].startswith("Re-cleaned: ") for r in db.query("select title from versions"))


def test_a_gzipped_page_is_archived_as_received_and_cleaned_decoded(make_cli, tmp_path):
    import gzip

    from tests.hostile import HostileServer, article_html, html, response

    page = gzip.compress(article_html(1))
    with HostileServer() as server:
        url = f"{server.base_url}/news/harbour-plan.html"
        server.routes["/feed.xml"] = response(200, (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title>'
            f"<link>{url}</link></item></channel></rss>").encode(), {"Content-Type": "application/rss+xml"})
        server.routes["/news/harbour-plan.html"] = html(page, **{"Content-Encoding": "gzip"})
        cli = make_cli(f'[settings]\n{ARCHIVED}\n[[source]]\nname = "h"\n'
                       f'feeds = ["{server.base_url}/feed.xml"]\n')
        cli("crawl")
    [row] = versions(cli.db)
    assert row["url"] == url and row["version"] == 1
    with open(tmp_path / "archive" / row["warc_file"], "rb") as stream:
        stream.seek(row["warc_offset"])
        record = next(iter(ArchiveIterator(stream)))
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert record.raw_stream.read() == page  # the bytes as they came over the wire
    warcio_check(tmp_path / "archive" / row["warc_file"])
    shown = json.loads(cli("archive", url, "--json").stdout)
    assert shown["target_uri"] == url


def test_the_writer_rotates_at_the_cap_and_cuts_a_torn_tail_before_appending(tmp_path):
    from datetime import datetime, timezone

    from crawler.archive import HttpExchange, WarcWriter

    def exchange(n: int) -> HttpExchange:
        return HttpExchange(url=f"http://127.0.0.1/news/{n}.html", fetched_at=datetime.now(timezone.utc),
                            status=200, response_headers=[("Content-Type", "text/html")],
                            body=os.urandom(3000))  # random: gzip cannot shrink it below the cap

    writer = WarcWriter(tmp_path, max_bytes=8000)
    first = writer.write([exchange(1), exchange(2)])
    assert first[0].file == first[1].file and first[1].offset == first[0].length
    files = sorted(tmp_path.glob("*.warc.gz"))
    with open(files[0], "ab") as torn:  # a writer killed half-way through a record
        torn.write(b"\x1f\x8b\x08\x00partial")
    [third] = writer.write([exchange(3)])  # 3 records would pass 8000 bytes: a new file
    assert third.file != first[0].file and third.file.endswith("-0002.warc.gz")
    assert files[0].stat().st_size == first[1].offset + first[1].length  # the torn tail cut off
    warcio_check(*tmp_path.glob("*.warc.gz"))
    assert [r["uri"].rsplit("/", 1)[1] for r in responses(tmp_path)] == ["1.html", "2.html", "3.html"]
