"""Front pages: placements recorded compactly at every reading, and headline tests told apart
(A/B variants alternating, front-only headlines, a test decided by the article's headline)."""
from __future__ import annotations

import itertools
import threading

import pytest

from tests.conftest import Cli, query as q
from tests.hostile import HostileServer, html

VARIANTS = ("Mayor quits after budget vote", "Why the mayor walked away from city hall")


def story(title: str, n: int) -> bytes:
    paragraphs = "".join(f"<p>Paragraph {i} of story {n}: the council met again on Tuesday and the "
                         "debate about the budget went on late into the evening.</p>" for i in range(6))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p class=byline>By Ann Lee</p>{paragraphs}</article></body></html>").encode()


class Front:
    """A front that serves the two headline variants of story 1 in turn, shows story 2 under a
    text that is not its headline, and moves story 3 to the top from the third request on."""

    def __init__(self) -> None:
        self.requests = itertools.count(1)
        self.lock = threading.Lock()

    def __call__(self, sock) -> None:
        with self.lock:
            n = next(self.requests)
        links = [("/news/story-1.html", VARIANTS[(n - 1) % 2]),
                 ("/news/story-2.html", "A front-only line for the second story"),
                 ("/news/story-3.html", "Harbour reopens after the storm")]
        if n >= 3:
            links.insert(0, links.pop())
        items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
        page = (f"<html><body><nav><a href='/'>Home</a></nav><h2>Top stories</h2><ul>{items}</ul>"
                "</body></html>").encode()
        sock.sendall(html(page))


@pytest.fixture(scope="module")
def front_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("fronts")
    with HostileServer() as server:
        server.routes["/front.html"] = Front()
        server.routes["/news/story-1.html"] = html(story(VARIANTS[0], 1))
        server.routes["/news/story-2.html"] = html(story("Second story has a plainer headline", 2))
        server.routes["/news/story-3.html"] = html(story("Harbour reopens after the storm", 3))
        sources = root / "s.toml"
        # One crawl process: the front's counter then sees exactly the two readings of each
        # discovery (a second worker reads the front for its share of links, unrecorded).
        sources.write_text(f'[settings]\nworkers = 1\n[[source]]\nname = "front"\nstart_urls = ["{server.base_url}/front.html"]\n'
                           'allowed_domains = ["127.0.0.1"]\narticle_pattern = "/news/"\n', encoding="utf-8")
        cli = Cli(root / "n.db", sources, root)
        cli("crawl")
        cli("crawl")  # two discoveries, each reading the front twice: four readings
        server.routes["/news/story-1.html"] = html(story(VARIANTS[1], 1))  # the test is decided
        cli("recheck", "--all")
        yield server, cli


def test_every_reading_is_recorded_and_runs_are_compact(front_site):
    server, cli = front_site
    assert q(cli.db, "select count(*) n from front_readings")[0]["n"] == 4
    runs = q(cli.db, "select url, link_text, best_rank, readings from placements order by id")
    second = [r for r in runs if r["url"].endswith("story-2.html")]
    assert len(second) == 1 and second[0]["readings"] == 4  # same band, text: one row
    assert len(runs) < 4 * 3  # fewer rows than one per link per reading


def test_a_reordered_front_shows_the_new_leader(front_site):
    server, cli = front_site
    fronts = cli.json_lines("fronts", "--since", "all", "--json")
    assert len(fronts) == 1 and fronts[0]["readings"] == 4
    leaders = [lead["link_text"] for lead in fronts[0]["leaders"]]
    assert "Harbour reopens after the storm" in leaders and any(v in leaders for v in VARIANTS)
    best = {a["url"].rsplit("/", 1)[1]: a["best_rank"] for a in fronts[0]["articles"]}
    assert best["story-3.html"] == 1


def test_alternating_variants_are_a_headline_test(front_site):
    server, cli = front_site
    tests = cli.json_lines("headlines", "--kind", "test", "--since", "all", "--json")
    assert [t["url"].rsplit("/", 1)[1] for t in tests] == ["story-1.html"]
    assert sorted(v["text"] for v in tests[0]["variants"]) == sorted(VARIANTS)


def test_a_front_only_headline_and_a_decided_test(front_site):
    server, cli = front_site
    only = cli.json_lines("headlines", "--kind", "front-only", "--since", "all", "--json")
    assert [o["url"].rsplit("/", 1)[1] for o in only] == ["story-2.html"]
    assert only[0]["link_text"] == "A front-only line for the second story"
    decided = cli.json_lines("headlines", "--kind", "decided", "--since", "all", "--json")
    assert [(d["url"].rsplit("/", 1)[1], d["headline"]) for d in decided] == [("story-1.html", VARIANTS[1])]
    history = cli("history", server.base_url + "/news/story-2.html").stdout
    assert "on front pages:" in history and "A front-only line for the second story" in history


def test_fronts_must_be_start_urls(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text('[[source]]\nname = "x"\nstart_urls = ["https://news.example/"]\n'
                       'fronts = ["https://news.example/world"]\n', encoding="utf-8")
    result = Cli(tmp_path / "n.db", sources, tmp_path)("status", check=False)
    assert result.returncode != 0 and "fronts" in result.stderr and "start_urls" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

