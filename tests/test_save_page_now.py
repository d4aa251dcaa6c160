"""Save Page Now: real crawls of the fixture site submit each new version to a real save endpoint
on 127.0.0.1 (an SPN2-shaped http.server that records what it is asked); the durable outbox,
its back-off and rate limit, keys from the environment or a file, never from the sources file."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.outcomes import PAYWALL
from crawler.recheck.policy import schedule_for
from crawler.save_page_now import KeysError, drain, keys_from_file, load_keys
from crawler.sources import DEFAULT_TIERS, load_config
from db import page_saves
from db.schema import open_db
from db.store import Content, Fetch, record_fetch
from newswatch.demosite import churn_chrome, edit_articles
from scheduler.jobs import Daemon
from tests.conftest import LocalServer, add_settings, free_port, write_sources
from tests.test_outcomes import STAND_INS

TIMESTAMP = "20261203120000"
ACCESS, SECRET = "AK-test-4f1e", "SK-secret-9c2d"


class SaveEndpoint(LocalServer):
    """An SPN2-shaped save endpoint on 127.0.0.1: POST /save answers a job id, GET
    /save/status/<job> its capture; `fail` holds (status, headers) answers to give first."""

    def __init__(self, port: int = 0):
        self.posts, self.polls, self.fail = [], [], []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                endpoint.posts.append({"path": self.path, "url": parse_qs(body)["url"][0],
                                       "accept": self.headers.get("Accept"),
                                       "authorization": self.headers.get("Authorization")})
                if endpoint.fail:
                    status, headers = endpoint.fail.pop(0)
                    return self.answer(status, {"message": "busy"}, headers)
                url = endpoint.posts[-1]["url"]
                self.answer(200, {"url": url, "job_id": f"spn2-{len(endpoint.posts)}"})

            def do_GET(self):
                job = self.path.rsplit("/", 1)[-1]
                endpoint.polls.append(self.path)
                url = endpoint.posts[int(job.removeprefix("spn2-")) - 1]["url"]
                self.answer(200, {"status": "success", "job_id": job, "original_url": url,
                                  "timestamp": TIMESTAMP})

            def answer(self, status: int, payload: dict, headers: dict | None = None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        super().__init__(Handler, port)
        self.url = f"http://127.0.0.1:{self.port}/save"

    def urls(self) -> list[str]:
        return [p["url"] for p in self.posts]


def configure(cli, base_url: str, endpoint: str, settings: str = "") -> None:
    write_sources(cli.sources, base_url)
    add_settings(cli.sources, f'save_page_now = true\nsave_page_now_endpoint = "{endpoint}"\n'
                              f"save_page_now_per_minute = 60\n{settings}")


def saves(db_path) -> list[dict]:
    return list(open_db(db_path, readonly=True).query("select * from page_saves order by id"))


def versions(db_path) -> list[dict]:
    return list(open_db(db_path, readonly=True).query(
        "select v.id, a.url, v.spn_timestamp, v.spn_url from versions v join articles a "
        "on a.id = v.article_id order by v.id"))


def test_one_submission_per_new_version_none_without_one(site, cli):
    info, server = site
    with SaveEndpoint() as endpoint:
        configure(cli, server.base_url, endpoint.url)
        first = json.loads(cli("crawl", "--json").stdout)
        assert first["new"] == len(info.articles) == 8
        stored = versions(cli.db)
        assert sorted(endpoint.urls()) == sorted(v["url"] for v in stored)  # once each
        assert all(p["path"] == "/save" and p["accept"] == "application/json" and
                   p["authorization"] is None for p in endpoint.posts)  # no keys: anonymous
        assert {(v["spn_timestamp"], v["spn_url"]) for v in stored} == \
            {(TIMESTAMP, f"{endpoint.url.removesuffix('/save')}/web/{TIMESTAMP}/{v['url']}") for v in stored}
        assert [(r["status"], r["attempts"], r["job_id"]) for r in saves(cli.db)] == \
            [("saved", 1, f"spn2-{n}") for n in range(1, 9)]

        churn_chrome(info.root)  # new ads and menus, the same articles: no new version
        cli("recheck", "--all")
        assert len(endpoint.posts) == 8
        edited = edit_articles(info.root, [info.articles[0].path], kind="append")[0]
        (info.root / info.articles[1].path.lstrip("/")).unlink()  # a 404: never a version
        paywall = next(body for kind, _, body in STAND_INS if kind == PAYWALL)
        server.set_route(info.articles[2].path, body=paywall,  # a stand-in: never a version
                         headers={"Content-Type": "text/html; charset=utf-8"})
        recheck = json.loads(cli("recheck", "--all", "--json").stdout)
        assert recheck["changed"] == 1
        statuses = {r["url"]: r["status"] for r in open_db(cli.db, readonly=True).query(
            "select url, status from articles")}
        assert statuses[server.base_url + info.articles[2].path] == "blocked"
        assert len(endpoint.posts) == 9 and urlsplit(endpoint.posts[-1]["url"]).path == edited.path
        cli("recheck", "--all")  # nothing changed
        assert len(endpoint.posts) == 9
    assert len(saves(cli.db)) == 9 and versions(cli.db)[-1]["spn_timestamp"] == TIMESTAMP


def test_a_503_is_retried_after_its_retry_after_then_recorded(site, cli):
    info, server = site
    with SaveEndpoint() as endpoint:
        endpoint.fail.append((503, {"Retry-After": "120"}))
        configure(cli, server.base_url, endpoint.url)
        crawl = json.loads(cli("crawl", "--json").stdout)
        assert crawl["status"] == "finished" and crawl["new"] == 8
        assert len(endpoint.posts) == 1  # the archive is unavailable: the others wait with it
        rows = saves(cli.db)
        assert [r["status"] for r in rows] == ["pending"] * 8
        first = rows[0]
        assert first["attempts"] == 1 and "HTTP 503" in first["error"] and first["archive_unavailable"]
        waited = datetime.fromisoformat(first["next_attempt_at"]) - \
            datetime.fromisoformat(first["last_attempt_at"])
        assert waited == timedelta(seconds=120)

        db = open_db(cli.db)
        config = load_config(cli.sources)
        now = datetime.now(timezone.utc)
        early = drain(db, config, seconds=0, clock=lambda: now + timedelta(seconds=60))
        assert (early.submitted, len(endpoint.posts)) == (0, 1)  # not before Retry-After
        later = drain(db, config, seconds=0, clock=lambda: now + timedelta(minutes=3))
        assert (later.submitted, later.saved, later.failed) == (8, 8, 0)
    assert len(endpoint.posts) == 9 and endpoint.posts[0]["url"] == endpoint.posts[1]["url"]
    assert [(r["status"], r["attempts"], r["error"]) for r in saves(cli.db)] == \
        [("saved", 2, None)] + [("saved", 1, None)] * 7
    assert all(v["spn_timestamp"] == TIMESTAMP for v in versions(cli.db))


def test_a_dead_endpoint_costs_the_crawl_nothing_and_one_line(site, cli):
    info, server = site
    configure(cli, server.base_url, f"http://127.0.0.1:{free_port()}/save")  # nothing listens
    result = cli("crawl", "--json")
    crawl = json.loads(result.stdout)
    assert crawl["status"] == "finished" and crawl["new"] == 8 and len(versions(cli.db)) == 8
    errors = [line for line in result.stderr.splitlines() if "save page now" in line]
    assert len(errors) == 1 and "cannot reach 127.0.0.1" in errors[0], result.stderr
    rows = saves(cli.db)
    assert len(rows) == 8 and all(r["status"] == "pending" for r in rows)
    assert [r["attempts"] for r in rows] == [1] + [0] * 7
    shown = cli("save-page-now", "--wait", "0", "--json")  # the archive still rests: no attempt
    report = json.loads(shown.stdout)
    assert report["queue"]["pending"] == 8 and report["submitted"] == report["failed"] == 0
    assert [r["attempts"] for r in report["waiting"]] == [1] + [0] * 7
    status = cli("status")
    assert "save page now: pending 8 (`newswatch save-page-now --list` shows the queue)" in status.stdout
    assert json.loads(cli("status", "--json").stdout)["save_page_now"]["pending"] == 8


def test_keys_from_the_environment_reach_the_endpoint_and_no_output(site, cli, monkeypatch):
    info, server = site
    monkeypatch.setenv("NEWSWATCH_IA_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("NEWSWATCH_IA_SECRET_KEY", SECRET)
    with SaveEndpoint() as endpoint:
        endpoint.fail.append((401, {}))  # refused once: the error line is in the crawl's output
        configure(cli, server.base_url, endpoint.url)
        crawl = cli("crawl", "--verbose")
        later = datetime.now(timezone.utc) + timedelta(minutes=2)
        report = drain(open_db(cli.db), load_config(cli.sources), seconds=0, clock=lambda: later)
        listed = cli("save-page-now", "--list", "--json")
    assert len(endpoint.posts) == 9 and report.saved == 8
    assert {p["authorization"] for p in endpoint.posts} == {f"LOW {ACCESS}:{SECRET}"}
    assert "refused the keys (HTTP 401" in crawl.stderr
    assert json.loads(listed.stdout)["queue"]["saved"] == 8
    output = "".join(r.stdout + r.stderr for r in (crawl, listed)) + repr(report)
    assert ACCESS not in output and SECRET not in output
    dump = "\n".join(open_db(cli.db, readonly=True).conn.iterdump())
    assert ACCESS not in dump and SECRET not in dump


def test_unusable_keys_are_one_line_and_the_versions_stay_queued(site, cli, monkeypatch):
    info, server = site
    monkeypatch.setenv("NEWSWATCH_IA_ACCESS_KEY", ACCESS)  # and no secret key
    monkeypatch.delenv("NEWSWATCH_IA_SECRET_KEY", raising=False)
    with SaveEndpoint() as endpoint:
        configure(cli, server.base_url, endpoint.url)
        result = cli("crawl", "--json")
        command = cli("save-page-now", check=False)
    assert json.loads(result.stdout)["new"] == 8 and endpoint.posts == []
    [line] = [line for line in result.stderr.splitlines() if "save page now" in line]
    assert "NEWSWATCH_IA_SECRET_KEY is not" in line and ACCESS not in result.stderr
    assert [r["status"] for r in saves(cli.db)] == ["pending"] * 8
    assert command.returncode == 2 and command.stderr.startswith("error: NEWSWATCH_IA_ACCESS_KEY is set")


@pytest.mark.parametrize("table,line", [
    ("[settings]\nsave_page_now = true\nsave_page_now_secret_key = \"{secret}\"\n", 3),
    ("[settings]\nsave_page_now_endpoint = \"https://me:{secret}@web.archive.org/save\"\n", 2),
    ("[settings]\nsave_page_now_keys_file = \"me:{secret}\"\n", 2),
    ("[settings]\nia_access_key = \"{secret}\"\n", 2),
])
def test_a_key_in_the_sources_file_is_a_one_line_error(make_cli, table, line):
    cli = make_cli(table.format(secret=SECRET) + '\n[[source]]\nname = "x"\nfeeds = ["https://x.org/f"]\n')
    result = cli("crawl", check=False)
    assert result.returncode == 2
    [message] = result.stderr.strip().splitlines()
    assert f"line {line}" in message and SECRET not in message
    assert "credentials do not belong in the sources file" in message or \
        "the keys themselves go in that file" in message


def test_a_key_in_a_source_table_is_refused_too(make_cli):
    cli = make_cli('[[source]]\nname = "x"\nfeeds = ["https://x.org/f"]\nsave_page_now = true\n'
                   f'access_key = "{ACCESS}"\n')
    result = cli("save-page-now", check=False)
    assert result.returncode == 2 and ACCESS not in result.stderr
    assert "line 5: [[source]] 'x' key 'access_key': credentials do not belong" in result.stderr


def test_keys_come_from_the_environment_or_a_named_file(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text('[settings]\nsave_page_now = true\nsave_page_now_keys_file = "ia.ini"\n'
                       '\n[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\nsave_page_now = false\n'
                       '\n[[source]]\nname = "b"\nfeeds = ["https://b.org/f"]\n')
    config = load_config(sources)
    assert [config.saves_pages(s) for s in config.sources] == [False, True]
    (tmp_path / "ia.ini").write_text(f"[s3]\naccess = {ACCESS}\nsecret = {SECRET}\n")
    assert load_keys(config, {}).authorization == f"LOW {ACCESS}:{SECRET}"
    env = {"NEWSWATCH_IA_ACCESS_KEY": "env-a", "NEWSWATCH_IA_SECRET_KEY": "env-s"}
    assert load_keys(config, env).authorization == "LOW env-a:env-s"  # the environment wins
    with pytest.raises(KeysError, match="NEWSWATCH_IA_SECRET_KEY is not"):
        load_keys(config, {"NEWSWATCH_IA_ACCESS_KEY": "env-a"})
    plain = tmp_path / "keys"
    plain.write_text(f"{ACCESS}:{SECRET}\n")
    assert keys_from_file(plain).authorization == f"LOW {ACCESS}:{SECRET}"
    plain.write_text(f"{ACCESS} {SECRET}\n")
    with pytest.raises(KeysError) as bad:
        keys_from_file(plain)
    assert SECRET not in str(bad.value) and "access:secret" in str(bad.value)
    assert ACCESS not in repr(load_keys(config, {}))
    with pytest.raises(KeysError, match="cannot read"):
        keys_from_file(tmp_path / "missing")


NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def outbox(tmp_path, count: int):
    """A database with `count` first versions of our crawl, each queued once."""
    db = open_db(tmp_path / "n.db")
    for n in range(count):
        record_fetch(db, Fetch(f"https://x.example/{n}", "x", NOW), Content("Title", "By", "Some text."),
                     schedule_for(DEFAULT_TIERS))
    ids = [page_saves.queue(db, v, NOW) for v in range(1, count + 1)]
    assert None not in ids and page_saves.queue(db, 1, NOW) is None  # once per version
    return db


def test_claims_are_one_at_a_time_and_within_the_rate(tmp_path):
    db = outbox(tmp_path, 3)
    first = page_saves.claim(db, NOW, per_minute=2)
    assert first.row["id"] == 1
    assert page_saves.claim(db, NOW, per_minute=2) == page_saves.Claim(None, page_saves.IN_FLIGHT_WAIT)
    page_saves.record_submitted(db, 1, NOW, "job-1")
    assert page_saves.claim(db, NOW + timedelta(seconds=1), per_minute=2).row["id"] == 2
    page_saves.record_submitted(db, 2, NOW, "job-2")
    full = page_saves.claim(db, NOW + timedelta(seconds=30), per_minute=2)
    assert full.row is None and 29 <= full.wait <= 31  # two in the last minute: wait for a slot
    assert page_saves.claim(db, NOW + timedelta(seconds=61), per_minute=2).row["id"] == 3


def test_a_row_is_given_up_after_max_attempts_and_retry_failed_restarts_it(tmp_path):
    db = outbox(tmp_path, 1)
    moment = NOW
    for attempt in range(1, page_saves.MAX_ATTEMPTS + 1):
        claimed = page_saves.claim(db, moment, per_minute=60)
        assert claimed.row is not None and claimed.row["attempts"] == attempt
        status = page_saves.record_failure(db, 1, moment, f"HTTP 502 ({attempt})", archive_unavailable=True)
        moment += page_saves.MAX_BACKOFF + timedelta(seconds=1)
    assert status == "failed" and page_saves.claim(db, moment, per_minute=60).row is None
    row = next(db.query("select * from page_saves"))
    assert row["error"] == f"HTTP 502 ({page_saves.MAX_ATTEMPTS})"
    assert page_saves.retry_failed(db) == 1 and page_saves.claim(db, moment, per_minute=60).row["id"] == 1


def test_versions_from_an_archive_are_never_submitted(tmp_path):
    db = outbox(tmp_path, 1)
    record_fetch(db, Fetch("https://x.example/old", "x", NOW), Content("Old", "By", "Text here."),
                 schedule_for(DEFAULT_TIERS))
    db.execute("update versions set origin = 'archive' where id = 2")
    db.conn.commit()
    assert page_saves.queue(db, 2, NOW) is None
    assert page_saves.summary(db)["pending"] == 1


def test_the_scheduler_drains_the_queue_in_its_own_job(tmp_path):
    outbox(tmp_path, 2).close()
    lines: list[str] = []
    with SaveEndpoint() as endpoint:
        sources = tmp_path / "s.toml"
        sources.write_text(f'[settings]\nsave_page_now = true\nsave_page_now_endpoint = "{endpoint.url}"\n'
                           '\n[[source]]\nname = "x"\nfeeds = ["https://x.example/f"]\n')
        daemon = Daemon(tmp_path / "n.db", sources, load_config(sources), echo=lines.append)
        assert "save-page-now" in [job.id for job in daemon.build().get_jobs()]
        daemon.save_pages()
    assert sorted(endpoint.urls()) == ["https://x.example/0", "https://x.example/1"]
    assert [r["status"] for r in saves(tmp_path / "n.db")] == ["saved", "saved"]
    assert any("save_page_now" in line and "submitted=2" in line for line in lines), lines
