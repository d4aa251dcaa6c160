"""Notifications: real crawls of the fixture site, a real webhook receiver on 127.0.0.1
(Apprise's json:// target posts to it), the filters, and a dead receiver retried by the next crawl."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from http.server import BaseHTTPRequestHandler

import pytest

from crawler.notifications import NotifyRules, Sender, message, rules_for, wanted
from crawler.recheck.policy import schedule_for
from crawler.sources import DEFAULT_TIERS, SourceConfigError, load_config
from db import notifications
from db.schema import open_db
from db.store import Content, Fetch, record_fetch
from newswatch.demosite import edit_articles
from newswatch.demosite.generator import load_state, write_site
from tests.conftest import LocalServer, add_settings, write_sources

PUBLIC = "https://watch.example.org/nw"
NOW = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)


class Receiver(LocalServer):
    """A webhook endpoint on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self, port: int = 0):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                received.append({"path": self.path, "type": self.headers.get("Content-Type"),
                                 "body": json.loads(self.rfile.read(length))})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(Handler, port)
        self.url = f"json://127.0.0.1:{self.port}/hook"


def configure(cli, base_url: str, notify: list[str], settings: str = "", source_extra: str = "") -> None:
    write_sources(cli.sources, base_url, extra=f"notify = {json.dumps(notify)}\n{source_extra}")
    add_settings(cli.sources, f"public_url = \"{PUBLIC}\"\n{settings}")


def retitle(root, path: str, change) -> tuple[str, str]:
    """Edit one article's headline on the site with `change(old) -> new`."""
    state = load_state(root)
    article = next(a for a in state["articles"] if a["path"] == path)
    old = article["title"]
    article["title"] = change(old)
    write_site(root, state, articles=[article])
    return old, article["title"]


def rows(db_path) -> list[dict]:
    return list(open_db(db_path, readonly=True).query("select * from notifications order by id"))


def test_one_message_per_qualifying_edit_none_for_filtered(site, cli):
    info, server = site
    paths = [a.path for a in info.articles]
    with Receiver() as receiver:
        configure(cli, server.base_url, [receiver.url],
                  settings='notify_fields = ["title"]\nnotify_min_words = 3\nnotify_skip_minor = true')
        cli("crawl")
        assert receiver.received == []  # first versions are not edits
        qualifying = [edit_articles(info.root, [p], kind="headline")[0] for p in paths[:2]]
        edit_articles(info.root, [paths[2]], kind="append")  # body only: not a watched field
        retitle(info.root, paths[3], lambda t: t.rsplit(" ", 1)[0] + " tonight")  # 2 words < 3
        old, new = retitle(info.root, paths[4], str.upper)  # case only: minor
        recheck = cli("recheck", "--all", "--json")
        assert json.loads(recheck.stdout)["changed"] == 5
    edits = {urlsplit(e["url"]).path: e for e in cli.json_lines("changes", "--since", "all", "--json")}
    assert len(edits) == 5
    assert edits[paths[3]]["words_added"] + edits[paths[3]]["words_removed"] < 3
    assert edits[paths[4]]["minor"] == 1 and edits[paths[4]]["words_added"] >= 3
    assert sorted(r["body"]["title"] for r in receiver.received) == \
        sorted(f"[demo] edited: {edits[e.path]['title']}" for e in qualifying)
    for hit in receiver.received:
        edit = next(edits[e.path] for e in qualifying if edits[e.path]["title"] in hit["body"]["title"])
        assert hit["path"] == "/hook" and "json" in hit["type"]
        lines = hit["body"]["message"].splitlines()
        assert lines[:2] == [edit["title"], edit["url"]]
        assert lines[2].startswith("Changed: headline") and \
            f"+{edit['words_added']}/-{edit['words_removed']} words" in lines[2]
        assert f"Headline was: {edit['previous_title']}" in lines
        assert lines[-1] == f"Diff: {PUBLIC}/-/newswatch/diff/{edit['article_id']}?a=1&b=2"
    stored = rows(cli.db)
    assert [(r["status"], r["attempts"], r["error"]) for r in stored] == [("sent", 1, None)] * 2
    assert all(r["target"].startswith("json://127.0.0.1") for r in stored)


def test_dead_receiver_does_not_fail_the_crawl_and_is_retried(site, cli):
    info, server = site
    reserved = socket.socket()  # bound, not listening: connection refused, and no other test takes it
    reserved.bind(("127.0.0.1", 0))
    port = reserved.getsockname()[1]
    configure(cli, server.base_url, [f"json://127.0.0.1:{port}/hook"])
    cli("crawl")
    edit_articles(info.root, [info.articles[0].path], kind="append")
    result = cli("recheck", "--all", "--json")
    reserved.close()
    crawl = json.loads(result.stdout)
    assert crawl["status"] == "finished" and crawl["changed"] == 1
    assert "notification 1 to json://127.0.0.1" in result.stderr and "now pending" in result.stderr
    [row] = rows(cli.db)
    assert row["status"] == "pending" and row["attempts"] == 1 and row["error"]
    with Receiver(port) as receiver:
        cli("recheck")  # nothing is due: the crawl only retries the notification
    assert len(receiver.received) == 1
    assert receiver.received[0]["body"]["message"] == row["body"]
    [row] = rows(cli.db)
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 2, None)


def test_sender_gives_up_on_a_target_no_longer_configured_and_claims_once(tmp_path):
    db = open_db(tmp_path / "n.db")
    for n, body in enumerate(["One sentence here.", "One sentence here. And an update."]):
        record_fetch(db, Fetch("https://x.example/a", "x", NOW + timedelta(minutes=n)),
                     Content("Title", "By", body), schedule_for(DEFAULT_TIERS))
    edit = notifications.edit_for_notification(db, 2)
    assert edit is not None and notifications.edit_for_notification(db, 1) is None
    [nid] = notifications.queue(db, edit, [("gone", "json://old/…")], "t", "b", NOW)
    assert notifications.queue(db, edit, [("gone", "json://old/…")], "t", "b", NOW) == []  # once per target
    [claimed] = notifications.claim(db, NOW)
    assert notifications.claim(db, NOW) == []  # a second crawl does not send it again
    assert [r["id"] for r in notifications.claim(db, NOW + notifications.STALE_CLAIM * 2)] == [nid]
    sender = Sender(tmp_path / "n.db", targets={})
    sender.start()
    db.execute("update notifications set status = 'pending'")
    db.conn.commit()
    sender.submit(None)
    sender.finish()
    row = next(db.query("select * from notifications"))
    assert row["status"] == "failed" and "no longer in the sources file" in row["error"]
    assert sender.failed == 1 and sender.sent == 0


EDIT = {"title": "New headline", "url": "https://x.example/a", "source": "x", "article_id": 7,
        "version": 3, "title_changed": 1, "byline_changed": 0, "body_changed": 1, "published_changed": 0,
        "words_added": 4, "words_removed": 2, "sentences_added": 1, "sentences_deleted": 0,
        "sentences_rewritten": 2, "sentences_moved": 0, "notice": "correction",
        "notice_text": "Correction: an earlier version misspelt a name.", "minor": 0,
        "previous_title": "Old headline"}


@pytest.mark.parametrize("rules,expected", [
    (NotifyRules((), ("title", "byline", "body", "published"), 0, False), True),
    (NotifyRules((), ("byline",), 0, False), False),
    (NotifyRules((), ("body",), 6, False), True),
    (NotifyRules((), ("body",), 7, False), False),
    (NotifyRules((), ("body",), 0, True), True),
])
def test_filter(rules, expected):
    assert wanted(EDIT, rules) is expected
    assert wanted({**EDIT, "minor": 1}, rules) is (expected and not rules.skip_minor)


def test_message_is_short_and_links_the_diff():
    title, body = message(EDIT, "https://w.example/")
    assert title == "[x] edited: New headline"
    assert body.splitlines() == [
        "New headline", "https://x.example/a",
        "Changed: headline, body · +4/-2 words · 1 sentence added · 2 sentences rewritten · correction",
        "Headline was: Old headline", "Notice: Correction: an earlier version misspelt a name.",
        "Diff: https://w.example/-/newswatch/diff/7?a=2&b=3"]
    assert "Diff:" not in message(EDIT, None)[1]


def test_source_filters_override_settings_and_targets_add_up(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[settings]\nnotify = ["json://127.0.0.1:9/all"]\nnotify_min_words = 5\n'
                    'notify_fields = ["title"]\n\n[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\n'
                    'notify = ["json://127.0.0.1:9/a", "json://127.0.0.1:9/all"]\nnotify_min_words = 0\n'
                    '\n[[source]]\nname = "b"\nfeeds = ["https://b.org/f"]\n')
    config = load_config(path)
    a, b = (rules_for(config, s) for s in config.sources)
    assert a == NotifyRules(("json://127.0.0.1:9/a", "json://127.0.0.1:9/all"), ("title",), 0, False)
    assert b == NotifyRules(("json://127.0.0.1:9/all",), ("title",), 5, False)


@pytest.mark.parametrize("text,line,needle", [
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\nnotify = ["nonsense"]\n', 4,
     "key 'notify': 'nonsense' is not a notification URL Apprise understands"),
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\nnotify = 5\n', 4, "must be a list of notification URLs"),
    ('[settings]\nnotify_fields = ["headline"]\n', 2, "is not a list of fields (use some of"),
    ('[settings]\nnotify_min_words = -1\n', 2, "is not a word count"),
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\nnotify_skip_minor = "yes"\n', 4, "is not true or false"),
    ('[settings]\npublic_url = "watch.example.org"\n', 2, "key 'public_url': 'watch.example.org' is not an http(s) URL"),
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\npublic_url = "https://x.org"\n', 4,
     "key 'public_url': unknown key"),
])
def test_bad_notify_keys_name_file_line_and_key(tmp_path, text, line, needle):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    message_ = str(caught.value)
    assert message_.startswith(f"{path} line {line}: ") and needle in message_ and "\n" not in message_
