"""A source's own headers, User-Agent and cookies (crawler/request_settings.py): a consent wall
opened by the user's consent cookie, on the first fetch and on re-checks, never sent to another
host, never in a log line, an output or the database.

Real crawls (the CLI, and `scrapy crawl` for Scrapy's DEBUG log) against a real server on
127.0.0.1 that shows the article only to a request carrying the consent cookie."""
from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawler.sources import SourceConfigError, load_config
from tests.conftest import REPO, Cli, LocalServer, query as q
from tests.hostile import article_html

CONSENT_VALUE = "yes-7d1e4c2b"  # a value no page, log line or output has by chance
TOKEN = "subscriber-token-93af0e"
AGENT = "SubscriberReader/2.0 (+mailto:reader@example.org)"
SECRETS = (CONSENT_VALUE, TOKEN)
WALL = (b"<html><head><title>Before you continue</title></head><body><h1>We value your privacy"
        b"</h1><p>We and our partners use cookies. Accept all cookies to continue.</p>"
        b"<button>Accept all</button></body></html>")
ETAG = '"walled-v1"'


class WalledSite(LocalServer):
    """A front page and articles behind a consent wall: the article only for a request whose
    Cookie carries consent=CONSENT_VALUE, with an ETag and 304s. Every request is recorded with
    the host name it asked for and its headers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict]] = []  # (host name, path, headers)
        self.robots = b"User-agent: *\nAllow: /\n"
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                site.requests.append((host, self.path, dict(self.headers.items())))
                status, body, headers = site.answer(self.path, self.headers)
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, headers) -> tuple[int, bytes, dict]:
        if path == "/robots.txt":
            return 200, self.robots, {"Content-Type": "text/plain"}
        if path == "/index.html":
            links = (f'<a href="/news/walled-story.html">Walled story</a> '
                     f'<a href="http://localhost:{self.port}/news/other-host-story.html">Elsewhere</a>'
                     f'<a href="/news/moved.html">Moved</a>')
            return 200, f"<html><body><h1>Front</h1>{links}</body></html>".encode(), {}
        if path == "/news/moved.html":  # to the other host name
            return 302, b"", {"Location": f"http://localhost:{self.port}/news/other-host-moved.html"}
        if not path.startswith("/news/"):
            return 404, b"<html><body>404 Not Found</body></html>", {}
        walled = "other-host" not in path  # the other host's article is open to all
        if walled and f"consent={CONSENT_VALUE}" not in (headers.get("Cookie") or ""):
            return 200, WALL, {}
        if headers.get("If-None-Match") == ETAG:
            return 304, b"", {"ETag": ETAG}
        return 200, article_html(7), {"ETag": ETAG}

    def hits(self, path: str, host: str = "127.0.0.1") -> list[dict]:
        return [h for name, p, h in self.requests if p == path and name == host]


@pytest.fixture
def walled():
    with WalledSite() as site:
        yield site


def sources_text(site: WalledSite, extra: str = "") -> str:
    return (f'[[source]]\nname = "walled"\nstart_urls = ["{site.base_url}/index.html"]\n'
            f'allowed_domains = ["127.0.0.1", "localhost"]\narticle_pattern = \'/news/\'\n{extra}')


SETTINGS = (f'cookies = {{consent = "{CONSENT_VALUE}"}}\n'
            f'headers = {{X-Subscriber-Token = "{TOKEN}"}}\nuser_agent = "{AGENT}"\n')


def walled_article(cli: Cli, site: WalledSite) -> dict:
    return q(cli.db, f"select * from articles where url = '{site.base_url}/news/walled-story.html'")[0]


def cookies_txt(path: Path, lines: list[str]) -> Path:
    path.write_text("# Netscape HTTP Cookie File\n" + "\n".join("\t".join(f) for f in lines) + "\n")
    return path


def test_without_the_consent_cookie_the_wall_is_no_version(walled, make_cli):
    cli = make_cli(sources_text(walled))
    cli("crawl")
    check, = q(cli.db, f"select * from checks where url = '{walled.base_url}/news/walled-story.html'")
    assert (check["http_status"], check["outcome"]) == (200, "blocked")
    assert "consent wall" in check["error"]  # crawler/outcomes.py's judgement
    stored = q(cli.db, "select a.url from versions v join articles a on a.id = v.article_id")
    assert f"{walled.base_url}/news/walled-story.html" not in [r["url"] for r in stored]
    assert f"http://localhost:{walled.port}/news/other-host-story.html" in [r["url"] for r in stored]
    assert all("Cookie" not in h for _, _, h in walled.requests)


def test_the_consent_cookie_of_the_sources_file_opens_the_wall(walled, make_cli):
    cli = make_cli(sources_text(walled, SETTINGS))
    result = cli("crawl", "-v")
    article = walled_article(cli, walled)
    assert (article["status"], article["version_count"]) == ("live", 1)
    body = q(cli.db, "select body from versions where article_id = %d" % article["id"])[0]["body"]
    assert "harbour plan 7" in body
    first = walled.hits("/news/walled-story.html")[0]
    assert first["Cookie"] == f"consent={CONSENT_VALUE}"
    assert (first["X-Subscriber-Token"], first["User-Agent"]) == (TOKEN, AGENT)
    assert not any(s in result.stdout + result.stderr for s in SECRETS)


def test_a_recheck_sends_the_cookie_header_and_user_agent(walled, make_cli):
    cli = make_cli(sources_text(walled, SETTINGS))
    cli("crawl")
    walled.requests.clear()
    cli("recheck", "--all")
    hit, = walled.hits("/news/walled-story.html")  # the probe's conditional request: a 304
    assert hit["If-None-Match"] == ETAG
    assert (hit["Cookie"], hit["X-Subscriber-Token"], hit["User-Agent"]) == \
        (f"consent={CONSENT_VALUE}", TOKEN, AGENT)
    check = q(cli.db, "select outcome from checks order by id desc limit 1")[0]
    assert check["outcome"] == "not_modified"  # the wall would have been a 200 `blocked`


def test_another_host_name_never_gets_the_cookie(walled, make_cli):
    cli = make_cli(sources_text(walled, SETTINGS))
    cli("crawl")
    cli("recheck", "--all")  # the re-check's probe too
    elsewhere = walled.hits("/news/other-host-story.html", host="localhost")
    assert len(elsewhere) == 2 and elsewhere[1]["If-None-Match"] == ETAG  # crawl, then probe
    assert all("Cookie" not in h for h in elsewhere)
    assert all(h["User-Agent"] == AGENT for h in elsewhere)  # headers go to all its domains
    assert all("Cookie" in h for h in walled.hits("/news/walled-story.html"))
    assert "Cookie" in walled.hits("/news/moved.html")[0]  # and its redirect to the other host
    redirected = walled.hits("/news/other-host-moved.html", host="localhost")
    assert redirected and all("Cookie" not in h for h in redirected)


def test_the_consent_cookie_from_a_cookies_txt_file(walled, make_cli, tmp_path):
    far_future, past = str(int(time.time()) + 86400 * 365), str(int(time.time()) - 60)
    cookies_txt(tmp_path / "cookies.txt", [
        ["127.0.0.1", "FALSE", "/", "FALSE", far_future, "consent", CONSENT_VALUE],
        ["127.0.0.1", "FALSE", "/", "FALSE", past, "stale", "expired-value"],
        ["127.0.0.1", "FALSE", "/", "TRUE", far_future, "secure_only", "https-only"],
        [".example.org", "TRUE", "/", "FALSE", far_future, "elsewhere", "other-site"],
        ["127.0.0.1", "FALSE", "/", "FALSE", "0", "session", "kept"],  # curl's session cookie
    ])
    cli = make_cli(sources_text(walled, 'cookies = "cookies.txt"\n'))  # beside the sources file
    cli("crawl")
    article = walled_article(cli, walled)
    assert (article["status"], article["version_count"]) == ("live", 1)
    sent = walled.hits("/news/walled-story.html")[0]["Cookie"]
    assert sorted(sent.split("; ")) == sorted([f"consent={CONSENT_VALUE}", "session=kept"])


def test_a_malformed_cookies_txt_is_one_line_and_nothing_is_crawled(walled, make_cli, tmp_path):
    path = cookies_txt(tmp_path / "cookies.txt", [
        ["127.0.0.1", "FALSE", "/", "FALSE", "0", "consent", CONSENT_VALUE],
        ["127.0.0.1 FALSE / FALSE 0 broken " + CONSENT_VALUE],  # spaces where tabs belong
    ])
    cli = make_cli(sources_text(walled, 'cookies = "cookies.txt"\n'))
    result = cli("crawl", check=False)
    assert result.returncode != 0 and walled.requests == []
    error = result.stderr.strip()
    assert len(error.splitlines()) == 1, error
    assert f"{path} line 3" in error and "'cookies'" in error and "walled" in error
    assert "Netscape cookies.txt" in error and CONSENT_VALUE not in error
    missing = make_cli(sources_text(walled, 'cookies = "nowhere.txt"\n'), name="s2.toml")
    error = missing("crawl", check=False).stderr.strip()
    assert len(error.splitlines()) == 1 and "nowhere.txt: no such file" in error


def test_no_secret_in_scrapys_debug_log_outputs_or_the_database(walled, make_cli, tmp_path):
    cli = make_cli(sources_text(walled, SETTINGS + 'archive = "warc"\n'))
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB=str(cli.db), NEWSWATCH_SOURCES=str(cli.sources))
    logs = ""
    for mode in ("discover", "recheck"):  # Scrapy alone, its own conditional request on re-check
        crawl = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"mode={mode}",
                                "-a", "every=1", "-s", "LOG_LEVEL=DEBUG"], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=120)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        logs += crawl.stdout + crawl.stderr
    assert "Crawled (200) <GET" in logs and "Crawled (304) <GET" in logs  # it is the DEBUG log
    assert walled.hits("/news/walled-story.html")[-1]["Cookie"] == f"consent={CONSENT_VALUE}"
    outputs = [cli("sources", "--json").stdout, cli("sources").stdout,
               cli("export", "--what", "versions").stdout, cli("export", "--what", "articles").stdout,
               cli("articles", "--json").stdout, cli("errors", "--json").stdout]
    cli("export", "--format", "warc", "-o", str(tmp_path / "out.warc.gz"))
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "sources.toml"]
    stored = b"".join(gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
                      for p in files)
    assert sum(p.name.endswith(".warc.gz") for p in files) >= 2  # the capture and its export
    assert b"Cookie: (redacted)" in stored and b"X-Subscriber-Token: (redacted)" in stored
    assert "harbour plan 7" in q(cli.db, "select body from versions")[0]["body"]
    for secret in SECRETS:
        assert secret not in logs and not any(secret in out for out in outputs)
        assert secret.encode() not in stored  # the database, its WAL, the WARC files and export


def test_robots_txt_is_matched_with_the_user_agent_sent(walled, make_cli):
    no_subscribers = b"User-agent: SubscriberReader\nDisallow: /news/\n\nUser-agent: *\nAllow: /\n"
    walled.robots = no_subscribers
    cli = make_cli(sources_text(walled, SETTINGS))
    cli("crawl")
    assert walled.hits("/news/walled-story.html") == []  # Scrapy's robots.txt middleware
    walled.robots = b"User-agent: *\nAllow: /\n"
    cli("crawl")
    assert len(walled.hits("/news/walled-story.html")) == 1
    walled.robots = no_subscribers
    cli("recheck", "--all")
    assert len(walled.hits("/news/walled-story.html")) == 1  # the probe asked nothing either


@pytest.mark.parametrize("extra, expected", [
    ('headers = {Host = "example.org"}\n', "'Host' cannot be set here (the URL names the host)"),
    ('headers = {Content-Length = "5"}\n', "'Content-Length' cannot be set here"),
    ('headers = {Cookie = "a=b"}\n', "use the source's `cookies` key"),
    ('headers = {"X-Bad" = "a\\r\\nHost: evil"}\n', "on one line"),
    ('cookie = {consent = "yes"}\n', "unknown key; did you mean 'cookies'?"),
    ('cookies = {consent = "a; b=c"}\n', "RFC 6265"),
    ('cookies = 3\n', "or the path of a cookies.txt file"),
    ('user_agent = ""\n', "non-empty string"),
])
def test_bad_request_settings_are_one_line_errors_naming_source_and_key(walled, tmp_path, extra,
                                                                          expected):
    path = tmp_path / "sources.toml"
    path.write_text(sources_text(walled, extra))
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message and expected in message, message
    assert "[[source]] 'walled' key" in message and "line 6" in message


def test_the_worked_example_of_the_docs_loads_and_sends_where_it_says(tmp_path):
    from crawler.request_settings import request_headers

    page = (REPO / "docs" / "consent-and-subscriptions.md").read_text()
    blocks = re.findall(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```", page, re.S | re.M)
    jar = next(b for _, b in blocks if b.lstrip().startswith("# Netscape HTTP Cookie File"))
    sources = next(b for kind, b in blocks if kind == "toml" and "herald-cookies.txt" in b)
    (tmp_path / "herald-cookies.txt").write_text("\n".join(line.strip() for line in jar.splitlines()))
    (tmp_path / "sources.toml").write_text(sources)
    source = load_config(tmp_path / "sources.toml").source("herald")
    sent = request_headers(source, "https://www.herald.example/2026/12/harbour-plan")["Cookie"]
    assert sent == "euconsent-v2=CQHkYAAQHkYAA; consent_given=yes"
    assert "Cookie" not in request_headers(source, "https://herald.example/")  # wider than the source's
    assert "Cookie" not in request_headers(source, "https://cdn.elsewhere.example/x")
    assert request_headers(source, "http://www.herald.example/a")["Cookie"] == "consent_given=yes"


def test_the_distributed_frontier_never_holds_a_sources_cookie_or_header():
    """A retried or redirected request goes back to the frontier in Redis with the headers its
    source's settings added; scrapy-redis writes it with our serializer, which leaves them out."""
    from scrapy import Request, Spider
    from scrapy_redis.queue import FifoQueue

    from crawler.distributed import frontier as frontier_serializer
    from crawler.distributed.worker import worker_settings
    from crawler.request_settings import ADDED_HEADERS

    settings = worker_settings("redis://127.0.0.1:1/0", load_config_text(""))
    assert settings["SCHEDULER_SERIALIZER"] == frontier_serializer.__name__
    retried = Request("http://127.0.0.1/news/a.html", headers={
        "Cookie": f"consent={CONSENT_VALUE}", "X-Subscriber-Token": TOKEN, "If-None-Match": ETAG},
        meta={ADDED_HEADERS: ("Cookie", "X-Subscriber-Token"), "newswatch_source": "walled"})
    # as scrapy-redis's scheduler makes it
    queue = FifoQueue(None, Spider("news"), "frontier", serializer=frontier_serializer)
    written = queue._encode_request(retried)  # what goes to Redis
    assert CONSENT_VALUE.encode() not in written and TOKEN.encode() not in written
    back = queue._decode_request(written)
    assert back.headers.get("If-None-Match") == ETAG.encode() and b"Cookie" not in back.headers
    assert back.meta["newswatch_source"] == "walled"


def load_config_text(extra: str):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sources.toml"
        path.write_text('[[source]]\nname = "a"\nstart_urls = ["http://127.0.0.1/"]\n' + extra)
        return load_config(path)
