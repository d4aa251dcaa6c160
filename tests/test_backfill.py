"""`newswatch backfill` and `diff --against-archive` against a real pywb on 127.0.0.1, serving a
collection built here from WARC files written with warcio, for an article first tracked from a
real HTTP server. pywb pins redis 2.x, which cannot share a virtualenv with the redis extra: it
lives in its own (.venv-pywb, made by `make install`; NEWSWATCH_PYWB names another bin/)."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newswatch.demosite import DemoServer
from tests.conftest import REPO, Cli, start_on_free_port

PYWB_BIN = Path(os.environ.get("NEWSWATCH_PYWB") or REPO / ".venv-pywb" / "bin")
COLLECTION = "news"
PARAGRAPHS = [
    "The city council voted on Tuesday to close the old river bridge to cars from next spring.",
    "Engineers found cracks in two of the bridge's supports during an inspection in October.",
    "Repairs would cost about 14 million dollars, according to the council's transport office.",
    "Cyclists and people on foot will still be able to cross while the council studies options.",
    "Shop owners on the east bank said they feared losing customers during the long closure.",
]
SENTENCE = "The mayor said the decision was not taken lightly."


def article_page(extra: str, nav: str = "Home · World · Politics") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + f"<p>{extra}</p>"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><meta property='og:type' content='article'>"
            f"<title>Council closes river bridge – "
            f"Daily</title></head><body><nav><a href='/'>{nav}</a></nav><article>"
            f"<h1>Council closes river bridge</h1><p class='byline'>By Ann Smith</p>{body}</article>"
            f"<footer>© Daily</footer></body></html>")


NOT_FOUND = ("<html><head><title>Page not found – Daily</title></head><body><nav>Home</nav>"
             "<h1>Page not found</h1><p>Sorry, the page you were looking for does not exist.</p></body></html>")
# The archive's history of the article: text A (twice, one digest), an error page, text B, and text
# B again under other navigation (chrome churn). Our own crawl later sees text C.
TEXT_A, TEXT_B, TEXT_C = SENTENCE, "The mayor said the decision was hard.", "The mayor has resigned."
CAPTURES = [("2026-11-01T10:00:00Z", article_page(TEXT_A)), ("2026-11-02T10:00:00Z", article_page(TEXT_A)),
            ("2026-11-03T10:00:00Z", NOT_FOUND), ("2026-11-04T10:00:00Z", article_page(TEXT_B)),
            ("2026-11-05T10:00:00Z", article_page(TEXT_B, nav="Home · Sport · Weather · Podcasts"))]


def write_warc(path: Path, url: str) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for when, page in CAPTURES:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(page.encode()), http_headers=headers,
                warc_headers_dict={"WARC-Date": when}))


def start_pywb(root: Path) -> tuple[subprocess.Popen, str]:
    """`wayback` on 127.0.0.1 in `root`, answering; a port taken meanwhile is retried on another."""
    def answers(port: int) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/{COLLECTION}/cdx?url=x&output=json", timeout=2)
            return True
        except OSError:
            return False

    process, port = start_on_free_port(
        lambda port: subprocess.Popen([str(PYWB_BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
                                      cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        answers, timeout=120)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def world(tmp_path):
    """The live article on a real HTTP server, tracked; pywb with the article's captures; a Cli."""
    if not (PYWB_BIN / "wayback").exists():
        pytest.skip(f"pywb not installed in {PYWB_BIN} (run `make install`)")
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    (site / "news" / "bridge.html").write_text(article_page(TEXT_C), encoding="utf-8")
    with DemoServer(site) as server:
        url = f"{server.base_url}/news/bridge.html"
        archive = tmp_path / "archive"
        archive.mkdir()
        write_warc(tmp_path / "captures.warc.gz", url)
        for args in (["init", COLLECTION], ["add", COLLECTION, str(tmp_path / "captures.warc.gz")]):
            subprocess.run([str(PYWB_BIN / "wb-manager"), *args], cwd=archive, check=True, capture_output=True)
        process, base = start_pywb(archive)
        try:
            cli = Cli(tmp_path / "n.db", tmp_path / "sources.toml", tmp_path)
            added = cli("add", url)
            assert "version 1 stored" in added.stdout, added.stdout + added.stderr
            yield cli, url, f"{base}/{COLLECTION}/cdx"
        finally:
            process.terminate()
            process.wait(timeout=30)


def versions(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select version, captured_at, origin, archive_url is not null, body "
                            "from versions order by version").fetchall()


def changes(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select v.version, p.version from change_records c join versions v on "
                            "v.id = c.version_id join versions p on p.id = c.previous_version_id "
                            "order by v.version").fetchall()


def test_backfill_stores_the_distinct_archived_texts_before_our_first_version(world):
    cli, url, cdx = world
    [ours] = versions(cli.db)
    [report] = cli.json_lines("backfill", url, "--archive", cdx, "--json")
    assert (report["added"], report["stand_ins"], report["errors"]) == (2, 1, [])
    stored = versions(cli.db)
    assert [(v[0], v[1][:10], v[2], v[3]) for v in stored] == [
        (1, "2026-11-01", "archive", 1), (2, "2026-11-04", "archive", 1), (3, ours[1][:10], "crawl", 0)]
    assert [TEXT_A in stored[0][4], TEXT_B in stored[1][4], TEXT_C in stored[2][4]] == [True] * 3
    assert changes(cli.db) == [(2, 1), (3, 2)]
    history = cli("history", url).stdout
    assert history.count("(archive: ") == 2 and "id_/" + url in history


def test_a_second_backfill_adds_nothing(world):
    cli, url, cdx = world
    assert "2 archive versions added" in cli("backfill", "--archive", cdx).stdout
    before = versions(cli.db), changes(cli.db)
    # again, this time from the sources file's archive and for the article's source
    with cli.sources.open("a", encoding="utf-8") as sources:
        sources.write(f'\n[settings]\narchives = ["{cdx}"]\narchive_requests_per_second = 50\n')
    [source] = [line.split('"')[1] for line in cli.sources.read_text().splitlines() if line.startswith("name")]
    out = cli("backfill", "--source", source).stdout
    assert out.startswith(url) and "0 archive versions added" in out
    assert (versions(cli.db), changes(cli.db)) == before


def test_a_dead_archive_gives_one_line_and_no_change(world):
    cli, url, _ = world
    with socket.socket() as reserved:  # bound, not listening: connections are refused
        reserved.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{reserved.getsockname()[1]}/news/cdx"
        before = versions(cli.db)
        result = cli("backfill", url, "--archive", dead, check=False)
    assert result.returncode == 1
    assert result.stdout.strip().count("\n") == 0 and "no answer" in result.stdout and url in result.stdout
    assert versions(cli.db) == before


def test_diff_against_the_archive_prints_a_diff_and_stores_nothing(world):
    cli, url, cdx = world
    before = versions(cli.db)
    out = cli("diff", url, "--archive", cdx, "--against-archive", "20261101").stdout
    assert TEXT_A.split()[-1] in out and "archive 2026110" in out  # the capture nearest 1 November
    assert versions(cli.db) == before
    latest = cli("diff", url, "--against-archive", "--archive", cdx, "--format", "json").stdout
    assert "hard" in json.dumps(json.loads(latest))  # nearest now: text B (the churn capture)
    mixed = cli("diff", url, "1", "--against-archive", "--archive", cdx, check=False)
    assert mixed.returncode == 2 and "give no version numbers" in mixed.stderr


def test_a_busy_archive_is_asked_again_after_its_retry_after():
    """429 with Retry-After, then a 503, then the answer (the Wayback Machine's JSON shape); the
    waits go to an injected clock, never to a real sleep."""
    from urllib.parse import urlencode

    from crawler.wayback import ArchiveClient
    from tests.hostile import HostileServer, response

    page = "http://news.example/a"
    table = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
             ["example,news)/a", "20261101100000", page, "text/html", "200", "ABC", "10"]]
    answers = [response(429, b"slow down", {"Retry-After": "3"}), response(503, b"busy"),
               response(200, json.dumps(table).encode(), {"Content-Type": "application/json"})]
    with HostileServer() as server:
        server.routes["/web/cdx?" + urlencode({"url": page, "output": "json"})] = \
            lambda sock: sock.sendall(answers.pop(0))
        waits: list[float] = []
        client = ArchiveClient(f"{server.base_url}/web/cdx", "newswatch-test (+mailto:a@b.example)",
                               requests_per_second=1000, sleep=waits.append)
        [capture] = client.captures(page)
    assert (capture.timestamp, capture.url, capture.status, capture.digest) == ("20261101100000", page, "200", "ABC")
    assert [w for w in waits if w >= 0.5] == [3.0, 2.0]  # Retry-After, then the back-off's 2 s
    assert client.replay_url(capture) == f"{server.base_url}/web/20261101100000id_/{page}"


def test_a_dropped_connection_is_asked_again_a_refused_one_is_not():
    """An archive that closes the connection without an answer (busy Wayback front ends do) is
    asked again after a back-off; one with nothing listening fails at once, one line."""
    from urllib.parse import urlencode

    from crawler.wayback import ArchiveClient, ArchiveError
    from tests.hostile import HostileServer, response

    page = "http://news.example/a"
    answers = [lambda sock: None, lambda sock: sock.sendall(response(200, b"[]"))]  # hang up, then answer
    with HostileServer() as server:
        server.routes["/web/cdx?" + urlencode({"url": page, "output": "json"})] = \
            lambda sock: answers.pop(0)(sock)
        waits: list[float] = []
        client = ArchiveClient(f"{server.base_url}/web/cdx", "newswatch-test", requests_per_second=1000,
                               sleep=waits.append)
        assert client.captures(page) == []
        dead = ArchiveClient(f"{server.base_url}/web/cdx", "newswatch-test", sleep=waits.append)
    assert answers == [] and [w for w in waits if w >= 0.5] == [1.0]
    waits.clear()
    with pytest.raises(ArchiveError, match="no answer") as failed:
        dead.captures(page)  # the server is gone: connection refused
    assert "\n" not in str(failed.value) and [w for w in waits if w >= 0.5] == []
