"""A page that stands in for the article (an error page, a paywall, a consent wall, a bot check) is
never a version, on a first crawl or a re-check; a real truncation still is, once confirmed."""
from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from crawler.outcomes import BOT_CHECK, CONSENT, PAYWALL, SOFT_404, classify_text
from newswatch.demosite import DemoServer, generate_site
from tests.conftest import Cli, write_sources, query as q


def page(title: str, *paragraphs: str, head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title>{head}</head><body><div class='site-nav'>"
            f"<a href='/'>Home</a></div><main><h1>{title}</h1>{body}</main></body></html>").encode()


# (kind, language, page): the wording real sites use, in English and one other language each.
STAND_INS = [
    (SOFT_404, "en", page("Oops! That page can’t be found.",
                          "It looks like nothing was found at this location. Maybe try a search?")),
    (SOFT_404, "de", page("Seite nicht gefunden",
                          "Die angeforderte Seite existiert leider nicht mehr.")),
    (PAYWALL, "en", page("Budget talks stall", "Subscribe to continue reading.",
                         "Already a subscriber? Sign in.")),
    (PAYWALL, "fr", page("Les négociations budgétaires", "Cet article est réservé aux abonnés.",
                         "Déjà abonné ? Connectez-vous.")),
    (BOT_CHECK, "en", page("Just a moment...", "Checking your browser before accessing the site.",
                           "Please enable JavaScript and cookies to continue.")),
    (BOT_CHECK, "es", page("Un momento", "Comprobando tu navegador antes de acceder.",
                           "Verifica que eres humano para continuar.")),
    (CONSENT, "en", page("Before you continue", "We value your privacy.",
                         "We and our partners use cookies. Accept all cookies to continue.")),
    (CONSENT, "de", page("Bevor Sie fortfahren", "Wir respektieren Ihre Privatsphäre.",
                         "Wir und unsere Partner verwenden Cookies. Alle akzeptieren.")),
]
STATUS = {SOFT_404: "gone", PAYWALL: "blocked", BOT_CHECK: "blocked", CONSENT: "blocked"}


@pytest.fixture
def tracked(tmp_path):
    """A site of 12 articles, crawled once (one version each)."""
    info = generate_site(tmp_path / "site", 12, seed=16)
    with DemoServer(tmp_path / "site") as server:
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        cli("crawl")
        yield info, server, cli


def test_stand_in_pages_never_become_versions_and_the_real_page_restores(tracked):
    info, server, cli = tracked
    urls = {}
    for (kind, language, body), article in zip(STAND_INS, info.articles):
        server.set_route(article.path, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
        urls[server.base_url + article.path] = (kind, language)
    for _ in range(4):
        cli("recheck", *urls)
    assert q(cli.db, "select count(*) n from versions")[0]["n"] == 12
    for url, (kind, language) in urls.items():
        row = q(cli.db, "select * from articles where url = ?", (url,))[0]
        assert (row["status"], row["version_count"]) == (STATUS[kind], 1), (kind, language)
        assert row["status_detail"] and row["status_since"], (kind, language)
        outcomes = [c["outcome"] for c in q(cli.db, "select outcome from checks where url = ? "
                                                    "order by id", (url,))]
        assert outcomes == ["new"] + ["missing" if kind == SOFT_404 else "blocked"] * 4
        events = q(cli.db, "select old, new from events where article_id = ? and kind = 'status'",
                   (row["id"],))
        assert events == [{"old": "live", "new": STATUS[kind]}], (kind, language)
    server.clear_routes()
    cli("recheck", *urls)
    assert q(cli.db, "select count(*) n from versions")[0]["n"] == 12
    for url in urls:
        row = q(cli.db, "select * from articles where url = ?", (url,))[0]
        assert row["status"] == "restored" and row["version_count"] == 1
    changes = cli("changes", "--since", "1d")
    assert "no changes" in (changes.stdout + changes.stderr).lower() or not changes.stdout.strip()


def test_a_new_url_answering_a_stand_in_page_is_not_an_article(tmp_path):
    info = generate_site(tmp_path / "site", 4, seed=3)
    with DemoServer(tmp_path / "site") as server:
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        soft, wall = info.articles[0].path, info.articles[1].path
        server.set_route(soft, body=STAND_INS[0][2], headers={"Content-Type": "text/html"})
        server.set_route(wall, body=STAND_INS[2][2], headers={"Content-Type": "text/html"})
        cli("crawl")
    assert not q(cli.db, "select * from articles where url in (?, ?)",
                 (server.base_url + soft, server.base_url + wall))
    checks = {c["url"]: c for c in q(cli.db, "select url, outcome, error from checks")}
    assert checks[server.base_url + soft]["outcome"] == "missing"
    assert "soft 404" in checks[server.base_url + soft]["error"]
    assert checks[server.base_url + wall]["outcome"] == "blocked"
    assert q(cli.db, "select count(*) n from versions")[0]["n"] == 2


def test_a_short_article_is_not_replaced_by_an_error_page(tmp_path):
    """A short article (a few hundred characters) gets no version from a WordPress soft 404,
    which does not shrink under the collapse threshold and never says "page not found"."""
    info = generate_site(tmp_path / "site", 2, seed=9)
    path = info.articles[0].path
    short = page("Council delays vote on bridge",
                 "The city council postponed Tuesday's vote on the new river bridge after two "
                 "members asked for an independent cost review. A new date has not been set.")
    with DemoServer(tmp_path / "site") as server:
        url = server.base_url + path
        server.set_route(path, body=short, headers={"Content-Type": "text/html"})
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        cli("crawl")
        assert q(cli.db, "select version_count from articles where url = ?", (url,))[0]["version_count"] == 1
        server.set_route(path, body=STAND_INS[0][2], headers={"Content-Type": "text/html"})
        cli("recheck", url)
    row = q(cli.db, "select * from articles where url = ?", (url,))[0]
    assert row["version_count"] == 1 and row["missing_count"] == 1 and row["status"] == "live"


def test_structured_signals_redirect_home_and_declared_paywall(tracked):
    info, server, cli = tracked
    moved, walled = info.articles[10].path, info.articles[11].path
    server.set_route(moved, redirect=server.base_url + "/")
    teaser = page("Budget talks stall", "Lawmakers met again on Tuesday.",
                  head='<script type="application/ld+json">{"@type": "NewsArticle", '
                       '"headline": "Budget talks stall", "isAccessibleForFree": false}</script>')
    server.set_route(walled, body=teaser, headers={"Content-Type": "text/html"})
    cli("recheck", server.base_url + moved, server.base_url + walled)
    checks = {c["url"]: c for c in q(cli.db, "select url, outcome, error from checks order by id")}
    assert checks[server.base_url + moved]["outcome"] == "missing"
    assert "home page" in checks[server.base_url + moved]["error"]
    assert checks[server.base_url + walled]["outcome"] == "blocked"
    assert "isAccessibleForFree" in checks[server.base_url + walled]["error"]
    assert q(cli.db, "select url from articles where id = (select article_id from checks where "
                     "url = ?)", (server.base_url + moved,))[0]["url"] == server.base_url + moved
    assert q(cli.db, "select count(*) n from versions")[0]["n"] == 12


def test_a_real_truncation_seen_twice_is_one_new_version(tracked):
    info, server, cli = tracked
    path = info.articles[8].path
    cut = page(info.articles[8].title, "The first paragraph is all that is left of this story.")
    server.set_route(path, body=cut, headers={"Content-Type": "text/html"})
    cli("recheck", server.base_url + path)
    row = q(cli.db, "select * from articles where url = ?", (server.base_url + path,))[0]
    assert (row["status"], row["version_count"]) == ("suspect", 1)
    cli("recheck", server.base_url + path)
    row = q(cli.db, "select * from articles where url = ?", (server.base_url + path,))[0]
    assert (row["status"], row["version_count"]) == ("live", 2)


def test_an_impossible_publication_date_counts_from_first_seen(tmp_path):
    info = generate_site(tmp_path / "site", 2, seed=5)
    path = info.articles[0].path
    placeholder = page("Harbour reopens after storm", *(["The harbour reopened on Monday after the "
                       "storm damage was repaired, officials said."] * 6),
                       head='<script type="application/ld+json">{"@type": "NewsArticle", '
                            '"datePublished": "0001-01-01T00:00:00Z", '
                            '"dateModified": "2999-01-01T00:00:00Z"}</script>')
    with DemoServer(tmp_path / "site") as server:
        server.set_route(path, body=placeholder, headers={"Content-Type": "text/html"})
        cli = Cli(tmp_path / "n.db", write_sources(tmp_path / "s.toml", server.base_url), tmp_path)
        cli("crawl")
    row = q(cli.db, "select * from articles where url = ?", (server.base_url + path,))[0]
    version = q(cli.db, "select published, modified from versions where article_id = ?", (row["id"],))[0]
    assert row["published"] is None and version == {"published": None, "modified": None}
    first_seen, due = datetime.fromisoformat(row["first_seen"]), datetime.fromisoformat(row["next_check_at"])
    assert 0 < (due - first_seen).total_seconds() < 2 * 86400  # the young tier, not "2,025 years old"


@pytest.mark.parametrize("title,body", [
    ("Hiker still not found after three days", "Police said on Tuesday the hiker had not been "
     "found. Search teams will resume at dawn, and volunteers have been asked to gather at the "
     "trailhead car park. The 34-year-old was last seen on Saturday near the summit."),
    ("Paywalls spread across local news", "More local papers now ask readers to subscribe to "
     "read their reporting, a survey found, as advertising income keeps falling."),
    ("404 days at sea", "The crew returned after 404 days at sea on Monday, greeted by families."),
])
def test_articles_that_mention_errors_or_walls_stay_articles(title, body):
    assert classify_text(title, body) is None


@pytest.mark.parametrize("kind,title,body", [
    (SOFT_404, "Page introuvable", "Cette page n’existe pas ou a été déplacée."),
    (SOFT_404, "Página no encontrada", "La página que buscas no existe."),
    (SOFT_404, "404 Not Found", "nginx"),
    (PAYWALL, "Solo para suscriptores", "¿Ya eres suscriptor? Inicia sesión."),
    (PAYWALL, "Nur für Abonnenten", "Um diesen Artikel zu lesen, schließen Sie ein Abo ab. Bereits Abonnent?"),
    (CONSENT, "Avant de continuer", "Nous respectons votre vie privée. Nous et nos partenaires "
     "utilisons des cookies."),
    (CONSENT, "Antes de continuar", "Valoramos tu privacidad. Aceptar todo."),
    (BOT_CHECK, "Attention Required!", "Please complete the security check to access the site."),
    (BOT_CHECK, "Êtes-vous un robot ?", "Vérification de votre navigateur en cours."),
])
def test_stand_in_wording_in_several_languages(kind, title, body):
    found = classify_text(title, body)
    assert found is not None and found.kind == kind, found


# -- newswatch doctor: versions an older rule stored from stand-in pages --------------------------
def _story(n: int, extra: str = "") -> str:
    return "\n".join(f"Paragraph {i} of story {n}: the council met on Tuesday and agreed the budget "
                     f"for the coming year after a long debate about roads and schools.{extra}"
                     for i in range(8))


def _old_rule_db(path):
    """A database as the old rule left it: stand-in pages confirmed twice became versions."""
    from datetime import timedelta, timezone

    from crawler.recheck.policy import schedule_for
    from crawler.sources import Tier
    from db.schema import open_db
    from db.store import Content, Fetch, record_fetch

    db, t0 = open_db(path), datetime(2026, 1, 1, tzinfo=timezone.utc)
    schedule = schedule_for([Tier(younger_than=86400 * 30, every=3600)])
    histories = {
        "a": [("Budget agreed", _story(1)), ("Budget agreed", "Subscribe to continue reading.\n"
              "Already a subscriber? Sign in."), ("Budget agreed", _story(1))],
        "b": [("Roads plan", _story(2)), ("Roads plan", _story(2, " Updated.")),
              ("Oops! That page can’t be found.", "It looks like nothing was found at this location.")],
        "c": [("Oops! That page can’t be found.", "It looks like nothing was found at this location.")],
        "d": [("Schools plan", _story(4)), ("Schools plan, revised", _story(4, " Revised."))],
    }
    for slug, versions in histories.items():
        for step, (title, body) in enumerate(v for v in versions for _ in range(2)):  # seen twice
            fetch = Fetch(url=f"https://news.example/{slug}", source="demo", http_status=200,
                          checked_at=t0 + timedelta(hours=step), raw_hash=f"{slug}{step}", etag=f'"{slug}{step}"')
            record_fetch(db, fetch, Content(title, "", body), schedule)
    db.close()


def _dump(db_path) -> list:
    with sqlite3.connect(db_path) as conn:
        return [list(conn.execute(f"select * from {t} order by 1")) for t in
                ("articles", "versions", "change_records", "checks", "versions_superseded")]


def test_doctor_removes_exactly_the_false_versions(tmp_path):
    db_path = tmp_path / "old.db"
    _old_rule_db(db_path)
    cli = Cli(db_path, tmp_path / "none.toml", tmp_path)
    before = _dump(db_path)
    report = cli("doctor").stdout
    assert "found 3 false version(s) in 3 article(s)" in report
    assert "https://news.example/a v2" in report and "https://news.example/d" not in report
    assert "would remove 3" in cli("doctor", "--fix-false-versions", "--dry-run").stdout
    assert _dump(db_path) == before  # a dry run changes nothing
    d_before = q(db_path, "select id, version, content_hash from versions where article_id = 4")
    cli("doctor", "--fix-false-versions")
    versions = {r["url"]: r for r in q(db_path, "select a.url, a.status, a.version_count, a.etag, "
                                                "group_concat(v.version) vs from articles a left join "
                                                "versions v on v.article_id = a.id group by a.id")}
    assert versions["https://news.example/a"]["vs"] == "1"  # v3 repeated v1 once v2 was gone
    assert versions["https://news.example/b"]["vs"] == "1,2"
    assert versions["https://news.example/b"]["status"] == "gone"
    assert versions["https://news.example/b"]["etag"] is None  # the error page's validators
    assert versions["https://news.example/c"]["vs"] is None and versions["https://news.example/c"]["version_count"] == 0
    assert q(db_path, "select id, version, content_hash from versions where article_id = 4") == d_before
    reasons = q(db_path, "select superseded_reason r from versions_superseded order by id")
    assert len(reasons) == 4 and sum("repeats" in r["r"] for r in reasons) == 1
    records = q(db_path, "select article_id from change_records order by article_id")
    assert [r["article_id"] for r in records] == [2, 4]
    assert "found 0 false version(s)" in cli("doctor").stdout
    a_checks = [c["outcome"] for c in q(db_path, "select outcome from checks where url like '%/a' order by id")]
    assert a_checks == ["new", "unchanged", "suspect", "blocked", "unchanged", "unchanged"]
