"""Tests for crawler.cleaner: real fixtures, encodings, overrides, normalisation and robustness."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.cleaner import Article, clean, normalize_text

REPO = Path(__file__).resolve().parents[1]
from tests.conftest import SHARED  # noqa: E402  (beside the clone, or NEWSWATCH_SHARED)
FIXTURES = SHARED / "fixtures"
SEED = FIXTURES / "seed-article"
URL = "https://www.bangkokonenews.com/xis-visit-to-moscow-begins-new-era/"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _moment(value: str | None) -> datetime:
    assert value, "no date found"
    return datetime.fromisoformat(value)


def _assert_matches(article: Article, expected: dict) -> None:
    assert article.title == expected["title"]
    assert article.body == expected["body"]
    assert article.author == expected["author"]
    assert _moment(article.published) == _moment(expected["published"])


@pytest.fixture(scope="module")
def seed() -> Article:
    return clean((SEED / "page.html").read_bytes(), URL)


# ---------------------------------------------------------------- fixtures

def test_seed_article_matches_expected(seed: Article) -> None:
    _assert_matches(seed, _load(SEED / "expected.json"))
    assert len(seed.body.split("\n")) == 32
    assert seed.byline == ("Pimchanok Srisuk",)
    assert seed.canonical_url == URL
    assert seed.language == "en-US"
    assert seed.problems == ()


def test_seed_keeps_published_offset_and_modified(seed: Article) -> None:
    assert seed.published is not None and seed.published.endswith("+00:00")
    assert _moment(seed.modified) == _moment("2023-03-22T11:02:10+07:00")


CHURN = sorted(_load(SEED / "churn" / "expected.json").items())


@pytest.mark.parametrize("name,expected", CHURN, ids=[n for n, _ in CHURN])
def test_churn_page_is_byte_identical_to_seed(name: str, expected: dict, seed: Article) -> None:
    article = clean((SEED / "churn" / name).read_bytes(), URL)
    assert expected["new_version"] is False
    assert (article.title, article.byline, article.body) == (seed.title, seed.byline, seed.body)
    assert article.title.encode() == seed.title.encode() and article.body.encode() == seed.body.encode()
    _assert_matches(article, expected)


EDITS = sorted(_load(SEED / "edits" / "expected.json").items())
_FIELDS = {"title": "title", "body": "body", "author": "author"}


@pytest.mark.parametrize("name,expected", EDITS, ids=[n for n, _ in EDITS])
def test_edit_page_differs_exactly_where_edited(name: str, expected: dict, seed: Article) -> None:
    article = clean((SEED / "edits" / name).read_bytes(), URL)
    seed_expected = _load(SEED / "expected.json")
    _assert_matches(article, expected)
    changed = {f for f in _FIELDS if expected[f] != seed_expected[f]}
    assert changed, "every edit changes at least one field"
    for field in _FIELDS:
        differs = getattr(article, field) != getattr(seed, field)
        assert differs == (field in changed), f"{field} should {'' if field in changed else 'not '}change"


LAYOUTS = sorted(p.name for p in (FIXTURES / "other-layouts").iterdir() if p.is_dir())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_other_layout_matches_expected(layout: str) -> None:
    """The fixture answers keep captions in the body; the cleaner's contract moves them, without
    their credit, to `captions`."""
    folder = FIXTURES / "other-layouts" / layout
    raw = (folder / "page.html").read_bytes()
    expected = _load(folder / "expected.json")
    captions = {" ".join(el.text_content().split()): el for el in lxml.html.fromstring(raw).iter("figcaption")}
    lines = expected["body"].split("\n")
    expected["body"] = "\n".join(line for line in lines if line not in captions)
    article = clean(raw)
    _assert_matches(article, expected)
    assert len(article.captions) == len([line for line in lines if line in captions])
    for caption in article.captions:
        assert any(line.startswith(caption) for line in captions) and "Photograph:" not in caption


def test_thai_page_decodes_windows_874_and_buddhist_date() -> None:
    raw = (FIXTURES / "other-layouts" / "thai-windows-874" / "page.html").read_bytes()
    article = clean(raw)
    assert "ตลาดน้ำ" in article.title
    no_meta = raw.replace(b'<meta property="article:published_time"', b'<meta property="x:ignored"')
    assert clean(no_meta).published == "2024-01-20T14:30:00+07:00"  # from "20 ม.ค. 2567 14:30 น."


# ---------------------------------------------------------------- encodings

def _page(body: str, head: str = "") -> str:
    return (f"<html><head>{head}<title>Headline here</title></head><body><article><h1>Headline here</h1>"
            f"<p>{body}</p></article></body></html>")


THAI = "ตลาดน้ำยามเย็นเปิดทุกวันเสาร์และอาทิตย์"
JAPANESE = "東京都の図書館は夜九時まで開館します。"
CHINESE = "图书馆将延长开放时间𠀀镕"  # 𠀀 exists only in GB18030, not in GB2312/GBK
WESTERN = "“Café” costs €5 — naïve"


@pytest.mark.parametrize("text,codec,label,where", [
    (THAI, "cp874", "windows-874", "meta"),
    (THAI, "cp874", "TIS-620", "meta"),
    (THAI, "cp874", "windows-874", "header"),
    (JAPANESE, "shift_jis", "Shift_JIS", "meta"),
    (JAPANESE, "cp932", "shift_jis", "header"),
    (CHINESE, "gb18030", "gb2312", "meta"),
    (CHINESE, "gb18030", "GBK", "header"),
    (WESTERN, "cp1252", "iso-8859-1", "meta"),
    (WESTERN, "cp1252", "ISO-8859-1", "header"),
])
def test_encodings_decode_like_browsers(text: str, codec: str, label: str, where: str) -> None:
    head = f'<meta charset="{label}">' if where == "meta" else ""
    raw = _page(text, head).encode(codec)
    article = clean(raw, encoding=label if where == "header" else None)
    assert article.body == text


def test_http_equiv_content_type_is_honoured() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-874">'
    assert clean(_page(THAI, head).encode("cp874")).body == THAI


def test_header_charset_beats_meta() -> None:
    raw = _page(WESTERN, '<meta charset="windows-874">').encode("cp1252")
    assert clean(raw, encoding="windows-1252").body == WESTERN


@pytest.mark.parametrize("bom,codec", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le")])
def test_bom_beats_declarations(bom: bytes, codec: str) -> None:
    raw = bom + _page(WESTERN, '<meta charset="iso-8859-1">').encode(codec)
    assert clean(raw, encoding="iso-8859-1").body == WESTERN


def test_undeclared_legacy_bytes_are_detected() -> None:
    assert clean(_page(WESTERN).encode("cp1252")).body == WESTERN
    assert clean(_page(JAPANESE * 3).encode("utf-8")).body == JAPANESE * 3


def test_unknown_label_falls_back_to_detection() -> None:
    raw = _page(WESTERN, '<meta charset="x-no-such-charset">').encode("utf-8")
    assert clean(raw, encoding="bogus").body == WESTERN


# ---------------------------------------------------------------- normalisation

@pytest.mark.parametrize("raw,expected", [
    ("  a\tb \n\n c  ", "a b\nc"),
    ("50&nbsp;billion", "50 billion"),
    ("50\u00a0billion\u2009cubic", "50 billion cubic"),
    ("zero\u200bwidth\u00adsoft\ufeff", "zerowidthsoft"),
    ("&#8220;quoted&#8221; &amp; &#8217;", "“quoted” & ’"),
    ("cafe\u0301", "café"),  # NFC
    ("“curly” — dash … kept", "“curly” — dash … kept"),
    ("\r\nline one\r\n\r\nline two\r\n", "line one\nline two"),
    ("", ""),
])
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_normalize_text_is_idempotent_on_plain_text(text: str) -> None:
    once = normalize_text(text.replace("&", ""))
    assert normalize_text(once) == once
    assert all(line and line == line.strip() for line in once.split("\n")) or once == ""


def test_body_is_a_fixed_point_of_normalize_text(seed: Article) -> None:
    assert normalize_text(seed.body) == seed.body
    assert normalize_text(seed.title) == seed.title


# ---------------------------------------------------------------- boilerplate

BOILERPLATE_PAGE = """<html><head><title>Harbour plan | Gazette</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="breadcrumbs"><a href="/">Home</a> » Harbour plan</div>
<main><div class="shared-content">
<h1>Harbour plan approved</h1>
<p class="byline">By Jane Doe, environment correspondent</p>
<div class="share-tools"><span>Share</span><a href="#">Facebook</a></div>
<p>The council approved the harbour plan on Monday after a long debate in the chamber.</p>
<div class="ad-slot"><p>Advertisement</p><p>Buy our lovely boats today, best prices in town!</p></div>
<p>Advertisement</p>
<p aria-hidden="true">Hidden duplicate text that readers never see on the page.</p>
<p style="display: none">Also hidden from every reader of the article.</p>
<figure><img src="a.jpg" alt="ALT TEXT NEVER SHOWN"><figcaption>The harbour at dusk. <span>Photo: A. B.</span></figcaption></figure>
<p>Work is expected to start next spring, and residents can comment until March.</p>
<div class="newsletter-signup"><p>Sign up for our morning briefing, delivered every day.</p></div>
<div class="related-posts"><p>Related: Harbour flooded again for the third time this year</p></div>
<div id="comments"><p>Great news for the town, finally some action on the harbour!</p></div>
</div></main>
<div class="cookie-banner"><p>We use cookies to improve your experience on our site.</p></div>
<footer><p>Copyright Gazette 2024</p></footer>
</body></html>"""

EXPECTED_BOILERPLATE_BODY = (
    "The council approved the harbour plan on Monday after a long debate in the chamber.\n"
    "Work is expected to start next spring, and residents can comment until March."
)


def test_generic_boilerplate_is_removed_and_shared_content_kept() -> None:
    article = clean(BOILERPLATE_PAGE)
    assert article.title == "Harbour plan approved"
    assert article.byline == ("Jane Doe",)
    assert article.body == EXPECTED_BOILERPLATE_BODY
    assert article.captions == ("The harbour at dusk.",)


def test_drop_selectors_override() -> None:
    article = clean(BOILERPLATE_PAGE, drop_selectors=["figure", "p:nth-of-type(3)"])
    assert "harbour at dusk" not in article.body
    assert article.body.startswith("The council approved")


def test_body_selector_override() -> None:
    page = BOILERPLATE_PAGE.replace('<div class="cookie-banner">', '<div class="cookie-banner" id="x">')
    article = clean(page, body_selector="#x")
    assert article.body == "We use cookies to improve your experience on our site."
    assert article.problems == ()


def test_invalid_selectors_are_reported_not_raised() -> None:
    article = clean(BOILERPLATE_PAGE, drop_selectors=["p[["], body_selector="div>>>")
    assert article.body == EXPECTED_BOILERPLATE_BODY
    assert len(article.problems) == 2 and "p[[" in article.problems[0]


def test_body_selector_that_matches_nothing_falls_back() -> None:
    article = clean(BOILERPLATE_PAGE, body_selector=".no-such-thing")
    assert article.body == EXPECTED_BOILERPLATE_BODY
    assert any("matched nothing" in p for p in article.problems)


def test_over_pruning_guard_keeps_article_in_misnamed_wrapper() -> None:
    paragraphs = "".join(f"<p>Paragraph number {i} of the story, with enough words to count.</p>" for i in range(8))
    page = f"<html><body><div class='sidebar-layout'><h1>Story</h1>{paragraphs}</div></body></html>"
    article = clean(page)
    assert article.body.count("\n") == 7 and "Paragraph number 7" in article.body


def test_metadata_fallbacks_when_page_shows_none() -> None:
    page = ('<html lang="en_GB"><head><meta property="og:title" content="OG headline">'
            '<meta name="author" content="Sam Roe"><link rel="canonical" href="/story/1">'
            '<meta property="article:published_time" content="2024-05-01T08:00:00+02:00"></head>'
            '<body><div><p>' + "Body text of the story goes here. " * 10 + '</p></div></body></html>')
    article = clean(page, "https://example.org/x?utm=1")
    assert article.title == "OG headline"
    assert article.byline == ("Sam Roe",)
    assert article.canonical_url == "https://example.org/story/1"
    assert article.published == "2024-05-01T08:00:00+02:00"
    assert article.language == "en-GB"


def test_visible_byline_names_only() -> None:
    page = ('<html><body><article><h1>Headline of the story</h1><div class="byline">By Ann Lee and '
            'Bo Chan, Herald Staff Writer</div><p>' + "Words of the article. " * 10 + '</p></article></body></html>')
    assert clean(page).byline == ("Ann Lee", "Bo Chan")


@pytest.mark.parametrize("control", ["Continue Article", "Pay Now", "E-MAIL", "Permalink"])
def test_a_control_in_a_byline_element_is_no_name(control: str) -> None:
    page = (f'<html><body><article><h1>Headline of the story</h1><div class="byline"><a href="/x">{control}</a>'
            '</div><p>' + "Words of the article. " * 10 + '</p></article></body></html>')
    assert clean(page).byline == ()


def test_a_menu_tab_named_like_a_byline_is_no_byline() -> None:
    tabs = "".join(f'<li><a href="/section/{k}" id="tab_{k}">{name}</a></li>'
                   for k, name in (("news", "Harbour News"), ("reporter", "Coast Voices"), ("weekly", "Sea Weekly")))
    page = (f'<html><body><ul class="tabs">{tabs}</ul><article><h1>Headline of the story</h1><p>'
            + "Words of the article. " * 10 + '</p></article></body></html>')
    assert clean(page).byline == ()


def test_time_element_date_keeps_offset() -> None:
    page = ('<html><body><article><h1>Headline of the story</h1><time datetime="2024-03-10T23:30:00-05:00">'
            'Sunday</time><p>' + "Words of the article. " * 10 + '</p></article></body></html>')
    assert clean(page).published == "2024-03-10T23:30:00-05:00"


# ---------------------------------------------------------------- robustness

_STORY = "".join(f"<p>Paragraph {i} of the story about the harbour and the pier that the board will rebuild.</p>"
                 for i in range(6))


@pytest.mark.parametrize("title", ['<title id="t">Pier to be rebuilt</titlevalue="true" -->',  # closed with a typo
                                   "<title>Pier to be rebu\n<script>var ad = '<\\/SCRIPT>';</script>"])  # cut off
def test_a_title_that_never_closes_does_not_swallow_the_story(title: str) -> None:
    page = (f"<html><head>{title}</head><body><div class='nav'><a href='/'>Home</a></div><div class='story'>"
            f"<h1>Pier to be rebuilt</h1>{_STORY}</div>" + " <div>filler</div>" * 60 + "</body></html>")
    article = clean(page)
    assert article.title == "Pier to be rebuilt"
    assert article.body.split("\n")[:6] == [f"Paragraph {i} of the story about the harbour and the pier that the board "
                                             "will rebuild." for i in range(6)]


@pytest.mark.parametrize("bad", [None, 42, b"", "", "   ", "<", "<html>", "\x00\x00", "\ud800 lone surrogate",
                                 "<div>" * 5000 + "deep" + "</div>" * 5000, b"\xff\xfe\x00", "<?xml version='1.0' encoding='utf-8'?><p>x</p>"])
def test_never_raises_on_bad_input(bad: object) -> None:
    article = clean(bad)  # type: ignore[arg-type]
    assert isinstance(article, Article)
    if not article.body:
        assert article.problems, "an empty result must say why"


_SEED_BYTES = (SEED / "page.html").read_bytes()


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
@settings(max_examples=60, deadline=None)
def test_never_raises_on_random_input(data: str | bytes) -> None:
    article = clean(data, encoding="utf-8" if isinstance(data, bytes) else None)
    assert isinstance(article, Article) and isinstance(article.body, str)


@given(st.integers(0, len(_SEED_BYTES)), st.integers(0, 4000), st.binary(max_size=40))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_never_raises_on_mutated_html(start: int, length: int, junk: bytes) -> None:
    mutated = _SEED_BYTES[:start] + junk + _SEED_BYTES[start + length:]
    article = clean(mutated, URL, encoding="utf-8")
    assert isinstance(article, Article) and normalize_text(article.body) == article.body


def test_clean_is_deterministic() -> None:
    raw = (FIXTURES / "other-layouts" / "custom-newsroom" / "page.html").read_bytes()
    assert clean(raw) == clean(raw) == clean(raw.decode("utf-8"))


def test_import_is_pure_and_cheap() -> None:
    code = ("import sys, crawler.cleaner; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('scrapy', 'twisted', 'db', 'scheduler', 'newswatch', 'trafilatura', 'bs4')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- generic layouts

_PROSE = "The committee met again on Tuesday, and members argued over the budget for hours. "


def _article_page(inner: str, head: str = "<title>Budget row deepens | Gazette</title>") -> str:
    return f"<html><head>{head}</head><body><h1>Budget row deepens</h1>{inner}</body></html>"


def test_teaser_list_under_heading_goes_but_read_more_toggle_stays() -> None:
    page = _article_page(
        f"<div class='story'><p>{_PROSE * 2}</p>"
        f"<div class='toggle'><div><a href='#'>Read more</a></div><div><p>{_PROSE}Second half.</p></div></div></div>"
        "<div class='rail'><h3>Recommended for you</h3><p><a href='/a'>Another story</a> A short teaser text here.</p>"
        "<p><a href='/b'>Yet another story</a> And another teaser text.</p></div>")
    body = clean(page).body
    assert "Second half." in body
    assert "Another story" not in body and "Recommended" not in body


def test_story_split_into_same_class_blocks_is_joined() -> None:
    part = f"<p>{_PROSE * 2}</p>"
    page = _article_page(
        f"<div class='wrap'><div class='story-body story-body-1'>{part}<p>Part one ends.</p></div>"
        f"<div class='inline-photo'><p>Photo</p></div>"
        f"<div class='more'><div class='story-body story-body-2'>{part * 3}<p>Part two ends.</p></div></div></div>")
    body = clean(page).body
    assert "Part one ends." in body and "Part two ends." in body
    assert body.index("Part one ends.") < body.index("Part two ends.")


def test_heading_slug_ids_do_not_trigger_the_vocabulary() -> None:
    page = _article_page(f"<div class='doc'><div class='section' id='sharing-with-a-single-developer'>"
                         f"<h2>Sharing with a single developer</h2><p>{_PROSE}</p></div>"
                         f"<div class='section' id='other'><p>{_PROSE * 3}</p></div></div>")
    assert "Sharing with a single developer" in clean(page).body


def test_form_wrapping_the_whole_page_is_kept() -> None:
    page = _article_page(f"<form id='aspnetForm'><div class='content'><p>{_PROSE * 3}</p><p>{_PROSE}</p>"
                         "<input type='text' value='typed'></div></form><form class='search'><p>Search the site</p></form>")
    body = clean(page).body
    assert body.count("The committee met") == 4 and "Search the site" not in body and "typed" not in body


def test_jsonld_inside_cdata_is_read() -> None:
    head = ('<script type="application/ld+json">//<![CDATA[\n{"@type":"NewsArticle","headline":"Budget row deepens",'
            '"datePublished":"2024-06-01T09:30:00+02:00","author":[{"name":"Ana Ruiz"},{"name":"Li Wei"}]}\n//]]></script>')
    article = clean(_article_page(f"<article><p>{_PROSE * 3}</p></article>", head))
    assert article.published == "2024-06-01T09:30:00+02:00"
    assert article.byline == ("Ana Ruiz", "Li Wei")


def test_site_name_is_stripped_from_title_fallback() -> None:
    page = f"<html><head><title>Budget row deepens in the council | Gazette</title></head><body><p>{_PROSE * 3}</p></body></html>"
    assert clean(page).title == "Budget row deepens in the council"


def test_dates_in_prose_are_not_publication_dates() -> None:
    page = _article_page(f"<article><p>The treaty was signed on May 7, 1856 in Paris. {_PROSE * 2}</p></article>")
    assert clean(page).published is None
    dated = _article_page(f"<article><span class='date'>March 3, 2024</span><p>{_PROSE * 3}</p></article>")
    assert clean(dated).published == "2024-03-03"


def test_in_article_furniture_is_dropped() -> None:
    page = _article_page(
        "<article><a class='kicker' href='/x'>Politics</a><div class='story-meta'><span class='byline'>By Ana Ruiz</span>"
        f"<time datetime='2024-01-02T03:04:05Z'>2 Jan 2024</time></div><p>{_PROSE * 3}</p></article>")
    article = clean(page)
    assert article.body == normalize_text(_PROSE * 3)
    assert article.byline == ("Ana Ruiz",)
    assert article.published == "2024-01-02T03:04:05+00:00"


def test_category_label_above_the_headline_is_furniture() -> None:
    """WordPress's `cat-links` / rel="category" kicker inside <article> (6 of 5,000 demo pages
    put "Politics" in the body under one chrome and not under another: false versions)."""
    for kicker in ("<div class='cat-links'><a href='/section/politics'>Politics</a></div>",
                   "<span><a href='/section/politics' rel='category tag'>Politics</a></span>"):
        page = _article_page(f"<article><header>{kicker}</header><p>{_PROSE * 3}</p></article>")
        assert clean(page).body == normalize_text(_PROSE * 3)


def test_mathjax_formulas_are_article_text() -> None:
    """MathJax puts `CtxtMenu_Attached_0` on every formula: a "menu" by the vocabulary, yet the
    formula (its assistive MathML) is the article's text."""
    formula = ("<mjx-container class='MathJax CtxtMenu_Attached_0' jax='CHTML'><mjx-math aria-hidden='true'>"
               "<mjx-mi><mjx-c class='mjx-c1D44E'></mjx-c></mjx-mi></mjx-math><mjx-assistive-mml>"
               "<math><mi> a </mi><mo> ≠ </mo><mn> 0 </mn></math></mjx-assistive-mml></mjx-container>")
    page = _article_page(f"<article><p>{_PROSE * 3}</p><p>When {formula}, there are two roots.</p></article>")
    assert clean(page).body.splitlines()[-1] == "When a ≠ 0 , there are two roots."


def test_trafilatura_rescue_reads_text() -> None:
    from crawler.cleaner.extract import _trafilatura_lines

    lines = _trafilatura_lines(_article_page(f"<article><p>{_PROSE * 3}</p><p>{_PROSE}</p></article>"))
    assert lines and all(line == normalize_text(line) for line in lines)
    assert _trafilatura_lines("") == []


def test_trafilatura_rescue_reads_a_layout_table_cell_by_cell() -> None:
    from crawler.cleaner.extract import _trafilatura_lines

    row = (f"<tr><td>January 15, 2008</td><td>Home | News | Sport | Weather</td></tr>"
           f"<tr><td></td><td><p>{_PROSE * 3}</p><p>{_PROSE}</p></td></tr>")
    lines = _trafilatura_lines(f"<html><body><table>{row}</table></body></html>")
    assert lines and not any(line.startswith("|") for line in lines)
    assert "January 15, 2008" not in lines and "Home | News | Sport | Weather" not in lines  # a stamp, a menu
    assert any(_PROSE.strip() in line for line in lines)


def test_trafilatura_rescue_reads_its_links_by_the_line_rules() -> None:
    from crawler.cleaner.extract import _trafilatura_lines

    menu = "".join(f"<p><a href='/section/{s}'>{s.title()}</a></p>" for s in ("business", "sport", "travel", "weather"))
    page = f"<html><body><table><tr><td>{menu}<p>{_PROSE * 3}</p><p>{_PROSE}</p></td></tr></table></body></html>"
    lines = _trafilatura_lines(page, "example.org")
    assert any(_PROSE.strip() in line for line in lines) and not {"Business", "Sport", "Travel"} & set(lines)


def test_trafilatura_rescue_of_a_page_of_links_keeps_its_links() -> None:
    from crawler.cleaner.extract import _trafilatura_lines

    stories = [f"Harbour round-up, part {n}: what the board decided about the pier this week" for n in range(1, 9)]
    items = "".join(f"<p><a href='/news/{n}'>{title}</a></p>" for n, title in enumerate(stories))
    page = ("<html><body><div class='nav'><a href='/'>Home</a></div><article><h1>The week in review</h1>"
            f"<div class='entry-content'>{items}</div></article></body></html>")
    assert _trafilatura_lines(page, "example.org") == stories  # not a run of other stories' headlines here


def test_promo_lines_inside_the_article_are_dropped() -> None:
    page = _article_page(f"<article><p>{_PROSE * 2}</p><p>Related: <a href='/x'>Council approves the harbour barrier plan</a></p>"
                         f"<p>{_PROSE}</p><p>Related: the council said nothing more about it yesterday at all.</p></article>")
    body = clean(page).body
    assert "harbour barrier" not in body
    assert "Related: the council said nothing more" in body  # prose that merely starts with the word stays


def test_cms_taxonomy_classes_do_not_prune_the_article() -> None:
    page = _article_page(f"<article class='post type-post category-comment tag-advertising tag-social'>"
                         f"<p>{_PROSE * 3}</p><p>{_PROSE}</p></article>"
                         "<aside class='sidebar'><p>Most read: something else entirely, much longer text here.</p></aside>")
    body = clean(page).body
    assert body.count("The committee met") == 4 and "Most read" not in body


def test_script_rendered_page_falls_back_to_jsonld_article_body() -> None:
    head = ('<title>Budget row deepens</title><script type="application/ld+json">{"@type":"NewsArticle",'
            '"headline":"Budget row deepens","articleBody":"First paragraph of the story is here.\\n'
            'Second paragraph of the story is here too."}</script>')
    page = f"<html><head>{head}</head><body><div id='root'></div><script>render()</script></body></html>"
    article = clean(page)
    assert article.body == "First paragraph of the story is here.\nSecond paragraph of the story is here too."
    assert article.title == "Budget row deepens"


def test_visible_headline_wins_over_metadata_and_br_is_a_space() -> None:
    page = ("<html><head><title>Council approves barrier | Gazette</title>"
            "<meta property='og:title' content='Council approves barrier'></head><body>"
            f"<h1>Port council backs<br>the tidal barrier</h1><article><p>{_PROSE * 3}</p></article></body></html>")
    article = clean(page)
    assert article.title == "Port council backs the tidal barrier"
    assert "tidal barrier" not in article.body


def test_deeply_nested_unclosed_tags_keep_their_text() -> None:
    paragraphs = "".join(f"<div><font size=2>Paragraph {i} of an old page, with commas, and enough words." for i in range(300))
    article = clean(f"<html><body><h1>An old page with unclosed tags</h1>{paragraphs}</body></html>")
    assert article.body.count("\n") == 299 and article.body.endswith("Paragraph 299 of an old page, with commas, and enough words.")
