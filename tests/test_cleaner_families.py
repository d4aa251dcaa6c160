"""Each family of page furniture the cleaner removes, on a small synthetic page of its own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler.cleaner import clean
from crawler.recheck.policy import schedule_for
from crawler.sources import DEFAULT_TIERS
from db.schema import open_db
from db.store import Content, Fetch, record_fetch
from crawler.cleaner.extract import parse_html
from crawler.cleaner.lines import is_furniture_line, is_stamp_line, strip_credit
from crawler.cleaner.prune import remove_invisible
from crawler.cleaner.text import normalize_line

_PROSE = [
    "The harbour board voted on Tuesday to rebuild the eastern pier, ending a dispute that has run for years.",
    "Engineers said the work would start in the spring and take about eighteen months to finish.",
    "Fishermen who use the pier every morning welcomed the decision but asked for a temporary berth.",
    "The board will publish the full plans next month, and residents can comment until the end of June.",
]


def _page(before: str = "", middle: str = "", after: str = "", head: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in _PROSE[:2]) + middle + "".join(f"<p>{p}</p>" for p in _PROSE[2:])
    return (f"<html><head><title>Pier to be rebuilt</title>{head}</head><body><div class='wrap'>"
            f"<h1>Pier to be rebuilt</h1><div class='txt'>{before}{paragraphs}{after}</div></div></body></html>")


def _body_is_prose(html: str) -> None:
    assert clean(html).body == "\n".join(_PROSE)


@pytest.mark.parametrize("furniture", [
    "<p>Photo: Jane Roe, Reuters</p>", "<p>(Getty Images)</p>", "<p>Credit: Sam Okafor</p>",
    "<p>Foto: Anna Berg / dpa</p>", "<p>© Lee Chan</p>", "<p>Caption</p>", "<p>Close</p>", "<p>Expand</p>",
    "<p>6</p>", "<p>3 of 12</p>", "<p>Image 1 of 4</p>",
])
def test_credit_and_gallery_furniture_lines_go(furniture: str) -> None:
    _body_is_prose(_page(middle=furniture))


@pytest.mark.parametrize("furniture", [
    "<p>Subscribe for our daily newsletter</p>",
    "<p>By subscribing I accept the terms of use and the privacy policy.</p>",
    "<p>Sign up for our Morning Briefing email</p>", "<p>Thanks for signing up!</p>",
])
def test_newsletter_lines_inside_the_article_go(furniture: str) -> None:
    _body_is_prose(_page(middle=furniture))


@pytest.mark.parametrize("furniture", [
    "<p>Email Jane Roe at jroe@example.org or follow her @janeroe.</p>", "<p>Follow us on Twitter</p>",
    "<p>Follow @harbourdesk</p>", "<p>Join our forums and let us know at the community page</p>",
    "<p>Contact staff writer Jane Roe at 555-010-0199, janeroe.7 on Signal, or jroe@example.org.</p>",
    # a nonprofit's appeal and its syndication footer
    "<p>Since you made it to the bottom of this article, we have a small favor to ask.</p>",
    "<p>If stories like this one matter to you, please consider pitching in what you can.</p>",
    "<p><a href='/donate'>Double my donation</a></p>",
    "<p>This story about the pier was written by Jane Roe and produced by The Harbour Desk, a nonprofit.</p>",
    "<p>Republish our articles for free, online or in print, under a Creative Commons license.</p>",
    "<p><a href='https://creativecommons.example/'>Creative Commons Attribution-NoDerivatives 4.0 International License</a></p>",
])
def test_author_contact_and_follow_lines_go(furniture: str) -> None:
    _body_is_prose(_page(after=furniture))


@pytest.mark.parametrize("furniture", [
    "<p>BREAKING NEWS</p>", "<p>Opinion</p>", "<p>Trending</p>", "<p>DON'T MISS</p>", "<p>Topics</p>",
    "<p>CLICK HERE TO GET THE HARBOUR NEWS APP</p>", "<p>Our Standards: The Thomson Trust Principles.</p>",
    "<p>Copyright 2024 The Gazette. All rights reserved.</p>", "<p>Posted: 2:35 pm PST December 30, 2007</p>",
    "<p>Last Updated: Monday, 14 January 2008, 17:52 GMT</p>", "<p>5 min read</p>",
    "<p>Home | News | Sport | Weather | Contact us</p>", "<p>E-mail this to a friend</p>",
    "<p>Print this story | Email this story | Discuss</p>", "<p>Harbourtown, March 3, 2024</p>",
    "<p>March 3, 2024; Page A7</p>", "<p>Published Mar. 3, 2024 — Reads 118</p>", "<p>2024-03-03 10:40:17</p>",
    "<p>Last Update: 3/3 3:36 pm</p>",
])
def test_label_stamp_and_tool_lines_go(furniture: str) -> None:
    _body_is_prose(_page(before=furniture))


def test_related_headline_run_with_dates_between_paragraphs_goes() -> None:
    related = "".join(f"<p><a href='/n/{i}'>Council names new harbour master in surprise move</a> 3/3/24 7:05 PM</p>"
                      for i in range(3))
    _body_is_prose(_page(middle=related))


def test_related_headline_run_at_the_edge_goes_but_links_between_paragraphs_stay() -> None:
    related = "".join(f"<p><a href='/n/{i}'>Council names new harbour master in surprise move {i}</a></p>"
                      for i in range(3))
    _body_is_prose(_page(after=related))
    sources = "<ul><li><a href='https://example.org/plan'>The harbour board's plan</a></li></ul>"
    assert "The harbour board's plan" in clean(_page(middle=sources)).body


def test_code_and_tables_of_numbers_are_not_date_stamps() -> None:
    assert not is_furniture_line("2020-08-01 18:00:00+00 │ 400 │ 24")
    assert is_furniture_line("12/30 10:34:59 ET")


def test_captions_leave_the_body_without_their_credit() -> None:
    figure = ("<figure><img src='p.jpg'><figcaption>Boats in the old harbour. <span class='credit'>Photo: "
              "Jane Roe/AFP</span></figcaption></figure><div class='wp-caption-text'>The pier in 1950 "
              "(Getty Images)</div>")
    article = clean(_page(middle=figure))
    assert article.body == "\n".join(_PROSE)
    assert article.captions == ("Boats in the old harbour.", "The pier in 1950")


def test_tiles_whose_caption_is_all_link_are_not_captions() -> None:
    strip = "".join(f"<figure><a href='/video/{i}'><img src='{i}.jpg'></a><figcaption><a href='/video/{i}'>{label}"
                    f"</a></figcaption></figure>" for i, label in enumerate(["Play Video", "Ferry fares to rise"]))
    linked = ("<figure><img src='p.jpg'><figcaption>Boats in the <a href='/harbour'>old harbour</a> at dawn."
              "</figcaption></figure>")
    article = clean(_page(middle=strip + linked))
    assert article.body == "\n".join(_PROSE)
    assert article.captions == ("Boats in the old harbour at dawn.",)


@pytest.mark.parametrize(("caption", "kept"), [
    ("Boats at dawn. Photo: Jane Roe, Reuters", "Boats at dawn."),
    ("Boats at dawn (AP Photo/Evan Vucci)", "Boats at dawn"),
    ("Boats at dawn. Picture: Woman's Day Source: news.example", "Boats at dawn."),
    ("Boats at dawn. © Lee Chan", "Boats at dawn."),
    ("Boats at dawn. REUTERS/Kevin Lamarque", "Boats at dawn."),
    ("Boats at dawn. Image credit Harbour Archive", "Boats at dawn."),  # a credit label with no colon
    ("Boats at dawn. Getty Images / Lee J. Chan", "Boats at dawn."),  # an initial in the name
    ("Credit Suisse shares fell on Monday", "Credit Suisse shares fell on Monday"),
    ("The photo shows boats at dawn.", "The photo shows boats at dawn."),
])
def test_credits_are_stripped_from_captions(caption: str, kept: str) -> None:
    assert strip_credit(caption) == kept


def test_sentences_that_mention_furniture_words_stay() -> None:
    for line in ("Copyright law has changed twice since 2008, the court said in its ruling on Monday.",
                 "Click-through rates fell, and the board said it would subscribe to a new service.",
                 "Top stories in the region were about the storm.",
                 "The latest news came on Tuesday, when the board met.",
                 "The charity asked people to consider donating to the fund.",
                 "This story was written by hand, the author said.",
                 "The company said it may earn a commission on each sale, critics said.",
                 "The most popular dish in the city is ramen, the survey found.",
                 "By the time the ferry arrived, it was dark."):
        assert not is_furniture_line(line)


def _table_page(title_tag: str, head: str = "") -> str:
    cells = "".join(f"<p>{p}</p>" for p in _PROSE)
    return (f"<html><head><title>{title_tag}</title>{head}</head><body><table><tr><td>"
            "<font size=4><b>Pier to be rebuilt</b></font><br><font size=2>By Jane Roe</font>"
            f"</td></tr><tr><td>{cells}</td></tr></table></body></html>")


@pytest.mark.parametrize(("title_tag", "url", "head"), [
    ("Harbour Gazette - Pier to be rebuilt", "https://www.harbourgazette.com/2008/pier.html", ""),
    ("Pier to be rebuilt | Harbour Gazette", "https://www.harbourgazette.com/2008/pier.html", ""),
    ("The Coast Post :: Pier to be rebuilt", "https://example.net/a/1", "<meta property='og:site_name' content='The Coast Post'>"),
    ("HARBOURGAZETTE.COM - Pier to be rebuilt", None, ""),
])
def test_site_name_leaves_the_title_on_layouts_without_h1(title_tag: str, url: str | None, head: str) -> None:
    article = clean(_table_page(title_tag, head), url or "http://harbourgazette.com/story?id=7")
    assert article.title == "Pier to be rebuilt"


def test_header_repeated_in_the_story_cell_is_not_body() -> None:
    article = clean(_table_page("Pier to be rebuilt | Harbour Gazette"), "https://www.harbourgazette.com/p")
    assert article.body == "\n".join(_PROSE)


@pytest.mark.parametrize("stamp", [
    "<p>Posted by: Jane Roe, Harbourtown on 5:19pm Tue 1 Jan 08</p>",
    "<p>Posted by: Sam | January 14, 2008 06:24 PM</p>",
    "<p>Harbour Wire | Wed, Jan 16 2008, 07:50 GMT</p>",
    "<p>(HWS) Saturday 12 January 2008</p>",
    "<p>Created: 1/10/2008 4:09:14 PM</p>",
    "<p>Story Published: Jan 18, 2008 at 8:29 AM PST</p>",
    "<p>by Jane Roe, 30 December 2007</p>",
    "<p>This post was last updated July 2021.</p>",
    "<p>Updated 10:14 ET</p>",
])
def test_time_stamp_lines_with_a_name_or_source_go(stamp: str) -> None:
    _body_is_prose(_page(middle=stamp))


@pytest.mark.parametrize("counter", [
    "<p>(Visited 1,902 times, 364 visits today)</p>", "<p>Comments (19)</p>", "<p>Trackback(0)</p>",
    "<p>173 Posts written, 1223 Comments</p>", "<p>2 hours, 23 minutes ago</p>",
])
def test_counter_lines_go(counter: str) -> None:
    _body_is_prose(_page(after=counter))


@pytest.mark.parametrize("line", [
    "The board met on March 3, 2020.",  # a sentence
    "Released: June 17, 2025 by Harbour Books",  # a fact of the story under its own label
    "Seattle at Green Bay, 4:30 p.m. (Fox)",  # a schedule: a time with no date
    "Pier festival (June 11-14)",  # a date range
    "Starter plan: $13.30/mo",  # a price
    '^ Roe, Jane (2 July 2014). "The pier at dawn"',  # a reference
    "2020-08-01 17:52:00+00 │ 400 │ 0",  # a table of data
    "Market share: 3.58%",
    "Mason 8-2-21-2",
])
def test_dated_and_counted_facts_of_the_story_stay(line: str) -> None:
    assert not is_stamp_line(line)
    assert line in clean(_page(middle=f"<p>{line}</p>")).body.split("\n")


def test_two_fetches_that_differ_only_in_stamps_and_counters_clean_the_same() -> None:
    def fetch(minutes: int, views: str, stamp: str) -> str:
        chrome = (f"<p>Posted by: Jane Roe on {stamp}</p><p>(Visited {views} times, {minutes} visits today)</p>"
                  f"<p>Comments ({minutes + 3})</p><p>{minutes} minutes ago</p>")
        return _page(before=chrome, after=f"<p>Harbour Wire | Wed, Jan 16 2008, 07:{minutes:02d} GMT</p>")

    first, second = clean(fetch(5, "1,902", "5:19pm Tue 1 Jan 08")), clean(fetch(42, "4,235", "8:42pm Fri 4 Jan 08"))
    assert first.body == second.body == "\n".join(_PROSE)
    assert (first.title, first.byline, first.captions) == (second.title, second.byline, second.captions)


def test_a_refetch_where_only_stamps_and_counters_moved_is_no_new_version(tmp_path) -> None:
    db, url, t0 = open_db(tmp_path / "n.db"), "https://harbour.example/pier", datetime(2024, 3, 3, tzinfo=timezone.utc)
    outcomes = []
    for hour, (views, ago) in enumerate([("1,902", "5 minutes"), ("4,235", "2 hours, 23 minutes")]):
        html = _page(before=f"<p>{ago} ago</p><p>Comments ({hour + 7})</p>", after=f"<p>(Visited {views} times)</p>")
        a = clean(html, url)
        content = Content(a.title, a.author, a.body, a.published, a.modified, a.cleaner_version)
        fetch = Fetch(url, "harbour", t0 + timedelta(hours=hour))
        outcomes.append(record_fetch(db, fetch, content, schedule_for(DEFAULT_TIERS)).outcome)
    assert outcomes == ["new", "unchanged"]
    assert db["versions"].count == 1


def test_embedded_post_signature_goes_but_the_post_stays() -> None:
    post = ("<blockquote><p>The eastern pier is finally getting rebuilt, and about time too.</p>"
            "— Harbour Board (@harbourboard) <a href='https://social.example/harbourboard/1'>March 3, 2024</a>"
            "</blockquote>")
    body = clean(_page(middle=post)).body.split("\n")
    assert body == _PROSE[:2] + ["The eastern pier is finally getting rebuilt, and about time too."] + _PROSE[2:]


@pytest.mark.parametrize("countdown", [
    "<p>Countdown to the pier opening: 105 days</p>", "<p>12 days to go</p>", "<p>3 weeks left until the vote</p>",
])
def test_countdown_lines_go(countdown: str) -> None:
    _body_is_prose(_page(middle=countdown))


@pytest.mark.parametrize("button", [
    "<p><a href='/gallery/pier'>Photo</a></p>", "<p><a href='https://shop.example/outfitters'>Shop Harbour Outfitters</a></p>",
    "<p><a href='https://shop.example/v'>$75 at Harbour Store</a></p>", "<p><a href='/n/notes'>More Harbour Notes</a></p>",
    "<p><a class='btn' href='/tours'>Learn more →</a></p>", "<p><a href='/tours'>➡️ Check price here</a></p>",
    "<p><a href='/tours'>Book now</a></p>",
])
def test_button_links_between_paragraphs_go(button: str) -> None:
    _body_is_prose(_page(middle=button))


@pytest.mark.parametrize(("line", "text"), [
    ("<p>Shop Harbour Outfitters</p>", "Shop Harbour Outfitters"),  # the same words, not a link
    ("<p>Fishermen can <a href='/shop'>shop now</a> at the pier market, which opens at nine every day.</p>",
     "Fishermen can shop now at the pier market, which opens at nine every day."),
    ("<p><a href='/guide'>Shop the harbour market for local fish</a></p>",  # longer than a button
     "Shop the harbour market for local fish"),
])
def test_button_words_outside_a_button_stay(line: str, text: str) -> None:
    assert text in clean(_page(middle=line)).body.split("\n")


def test_two_fetches_whose_button_links_and_countdowns_differ_clean_the_same() -> None:
    def fetch(shop: str, price: str, days: int) -> str:
        return _page(middle=f"<p><a href='/s'>Shop {shop}</a></p><p><a href='/p'>${price} at {shop}</a></p>"
                            f"<p>Countdown to the pier opening: {days} days</p>")

    first, second = clean(fetch("Quayside", "75", 105)), clean(fetch("Harbour Outfitters", "49", 104))
    assert first.body == second.body == "\n".join(_PROSE)


def test_an_unclosed_button_that_swallowed_the_page_keeps_the_article() -> None:
    # The parser nests everything after a <button> that lost its </button> inside it.
    html = _page().replace("<div class='wrap'>", "<div class='wrap'><button class='menu-toggle'>Menu", 1)
    body = parse_html(html).find("body")
    remove_invisible(body)
    assert [normalize_line("".join(p.itertext())) for p in body.iter("p")] == _PROSE
    assert clean(html).body == "\n".join(_PROSE)


def test_buttons_and_labels_with_their_own_text_go() -> None:
    html = _page(middle="<p>Share it <button>Copy link</button> or <label>Email<input></label> it.</p>")
    assert "Share it or it." in clean(html).body.split("\n")


def test_script_run_tabs_between_paragraphs_go_but_their_words_in_a_sentence_stay() -> None:
    tabs = ("<ul><li><a href='javascript:void(0)'>Timetable</a></li><li><a href='#'>Harbour map</a></li></ul>"
            "<p>Residents can <a href='javascript:openMap()'>see the new pier on a map</a> before the meeting.</p>")
    body = clean(_page(middle=tabs)).body.split("\n")
    assert "Timetable" not in body and "Harbour map" not in body
    assert "Residents can see the new pier on a map before the meeting." in body


@pytest.mark.parametrize("bar", [
    "<p>Submit to: <a href='/d'>Digg</a> <a href='/r'>Reddit</a></p>",
    "<p>Post this story to: <a href='/d'>del.icio.us</a> | <a href='/g'>Digg</a></p>",
    "<p>Email article: <a href='/p'>Print</a></p>", "<p>Delivery formats: <a href='/rss'>RSS</a>, <a href='/a'>Atom</a></p>",
    "<p>Listed Under: <a href='/t/pier'>Pier</a>, <a href='/t/harbour'>Harbour</a></p>",
    "<p>You are here: <a href='/'>Gazette</a> &gt; <a href='/news'>News</a></p>",
    "<p><a href='/'>Home</a> &gt; <a href='/news'>News</a> &gt; Story</p>",
    "<p>Previous story: <a href='/n/1'>Council names new harbour master</a></p>",
    "<p><a href='/q'>Quote</a> | <a href='/r'>Report this post</a></p>", "<p><a href='/login'>Sign In</a></p>",
])
def test_share_bars_breadcrumbs_and_story_links_go_whatever_they_link(bar: str) -> None:
    _body_is_prose(_page(middle=bar))


@pytest.mark.parametrize("line", ["Next: add the flour and stir until smooth.", "Home is where the harbour is."])
def test_lines_that_start_like_a_tool_bar_but_are_prose_stay(line: str) -> None:
    assert line in clean(_page(middle=f"<p>{line}</p>")).body.split("\n")


@pytest.mark.parametrize("share", [
    "<p><a href='/s/y'>Post to Yahoo!</a></p>", "<p><a href='/s/d'>Add to Del.icio.us</a></p>",
    "<p><a href='/s/d'>Digg it</a> <a href='/s/l'>del.icio.us</a></p>", "<p><a href='/older'>« Previous</a></p>",
    "<p>This article was originally published on page 28 of The Harbour Tribune on March 3, 2024</p>",
])
def test_share_links_page_links_and_print_edition_notes_go(share: str) -> None:
    _body_is_prose(_page(middle=share))


def test_a_link_that_names_a_service_among_other_words_stays() -> None:
    line = "<p><a href='/forum'>Harbour Reddit Forums</a></p>"
    assert "Harbour Reddit Forums" in clean(_page(middle=line)).body.split("\n")


@pytest.mark.parametrize("promo", [
    "<p>&gt;&gt; Check Out: <a href='/x'>Best harbour cameras of the year</a></p>",
    "<p>You Might Also Like: <a href='/y'>Ten piers to visit this summer</a></p>",
    "<p><a href='/authors/jroe'>See all of Jane Roe's reviews</a></p>",
])
def test_promo_links_behind_a_label_and_author_card_links_go(promo: str) -> None:
    _body_is_prose(_page(middle=promo))


def test_a_check_out_label_before_unlinked_text_stays() -> None:
    line = "Check out: the new berth opens at six, and boats must register the day before."
    assert line in clean(_page(middle=f"<p>{line}</p>")).body.split("\n")


@pytest.mark.parametrize("line", [
    "<div role='note'>Main article: <a href='/wiki/Eastern_pier'>Eastern pier</a></div>",
    "<p>Next video starts in : 7 <a href='#'>Play</a></p>", "<p><a href='/p/2'>Next Page</a> »</p>",
])
def test_hatnotes_autoplay_countdowns_and_page_links_go(line: str) -> None:
    _body_is_prose(_page(middle=line))


def test_a_run_of_links_to_the_site_own_pages_goes_between_paragraphs() -> None:
    menu = ("<ul><li><a href='/business'>Business</a></li><li><a href='https://www.example.org/travel'>Travel</a>"
            "</li><li><a href='https://arts.example.org/'>Arts</a></li></ul>")
    assert clean(_page(middle=menu), "https://www.example.org/news/pier").body == "\n".join(_PROSE)


@pytest.mark.parametrize("kept", [
    # the article's own list of tools, on other sites
    "<ul><li><a href='https://one.test/'>BBEdit</a></li><li><a href='https://two.test/'>Acorn</a></li>"
    "<li><a href='https://three.test/'>Transmit</a></li></ul>",
    # its table of contents
    "<ul><li><a href='#plans'>Plans</a></li><li><a href='#costs'>Costs</a></li><li><a href='#dates'>Dates</a></li></ul>",
    # two links are not a menu
    "<ul><li><a href='/business'>Business</a></li><li><a href='/travel'>Travel</a></li></ul>",
])
def test_link_lists_that_lead_off_the_site_or_within_the_page_stay(kept: str) -> None:
    body = clean(_page(middle=kept), "https://www.example.org/news/pier").body.split("\n")
    assert len(body) == len(_PROSE) + kept.count("<li>")


@pytest.mark.parametrize("furniture", [
    "<p>0:24</p>", "<p>12:03:45</p>", "<p>Running time: 1:50</p>",  # a clip's running time
    "<p>CONTINUED 1 | 2 Next</p>", "<p>« Prev 1 2 3 Next »</p>", "<p>Pages: 1, 2</p>",  # page links
    "<p>By Jane Roe - Fri, 12/28/2007 - 6:41am.</p>",  # a byline and date stamp ending on its clock time
])
def test_running_times_page_links_and_clock_stamps_go(furniture: str) -> None:
    _body_is_prose(_page(middle=furniture))


def test_a_line_with_a_time_range_is_not_a_stamp() -> None:
    assert not is_stamp_line("Doors open 6 - 9pm at the pier")


@pytest.mark.parametrize("furniture", [
    "<p>jroe@example.org</p>", "<p>E-mail: desk@example.org</p>",  # an address alone on its line
    "<p><a href='https://social.example/p/1'>https://social.example/p/1/</a></p>", "<p>harbour-cafe.com</p>",
    "<p>Skip to next paragraph</p>", "<p><a href='#t'>Show transcript</a></p>",  # page and player controls
    "<p>Become a Harbour Weekly+ Member</p>",  # a membership call to action
    "<p>Also read <a href='/other'>how the old pier was built</a>.</p>",  # a promo label with no colon
    "<p>» See also <a href='/other'>Ferry timetable changes</a></p>",
    "<p>Listen to this article in summarized format</p>",  # an audio player's control
    "<p>News›Harbour›Ports›Pier to be rebuilt</p>",  # a breadcrumb without spaces
    # the heading of a related list whose list has gone
    "<h3>Stories you might be interested in</h3>", "<h3>Other News in Harbour</h3>", "<h3>More from Ports</h3>",
])
def test_addresses_controls_and_promo_leads_go(furniture: str) -> None:
    _body_is_prose(_page(middle=furniture))


def test_a_sentence_that_starts_like_a_promo_stays() -> None:
    # "Check out" starts sentences as often as promos: only longer labels may go without a colon.
    sentence = "<p>Check out <a href='/pier/opening'>the new pier that the harbour board opened on Tuesday</a>.</p>"
    assert "Check out the new pier that the harbour board opened on Tuesday." in clean(_page(middle=sentence)).body


def test_a_list_of_the_site_own_headlines_with_dates_goes() -> None:
    stories = "".join(f"<li><a href='/news/{i}'>{title}</a> ({day} Dec 07 | Harbour )</li>" for i, (title, day) in
                      enumerate([("Ferry fares to rise in spring", 31), ("Lighthouse keeper retires", 30),
                                  ("New berths for the fishing fleet", 21)]))
    assert clean(_page(middle=f"<ul>{stories}</ul>"), "https://example.org/pier").body == "\n".join(_PROSE)


@pytest.mark.parametrize("furniture", [
    "<p>For the latest harbour news on your mobile, sms PIER to 54567</p>",  # a text-message offer
    "<p>Start a good habit this year - subscribe now to save 32%</p>",  # a subscription offer
    "<p>Humidity : 76 %</p>",  # a weather widget
    "<p>Editorial note: Harbour Weekly may contain affiliate links. We may earn a commission on purchases.</p>",
    "<p>Disclaimer: This article is for informational purposes only and is not financial advice.</p>",
    "<p>Be the first to know!</p>", "<p>Get the harbour's best deals texted to your phone!</p>",  # an sms box
    "<p>Who curated this article?</p>", "<p>Share your opinion in the comment section. COMMENT NOW</p>",
    "<p>Get Connected on: Twitter Community Forum</p>", "<p>Table of Contents</p>",
    "<h3>MOST POPULAR HARBOUR BLOG POSTS</h3>", "<h3>SHARED ON FACEBOOK</h3>",  # headings left without lists
    "<p>No user comments yet. Be the first to express your opinion!</p>", "<p>Posted in: Ports, Ferries</p>",
    "<p>By Jane Roe and Sam Okafor</p>", "<p>Harbour Desk</p>", "<p>Synopsis</p>",  # a byline left in the body
    "<p>Posted by: harbourfan, Leith on 8:21pm Tue 1 Jan 08</p>",  # a comment's stamp
    "<p><a href='/c/1'>Permalink</a></p>", "<p><a href='/c/1#q'>Quote</a></p>",  # comment tools
    "<h3>NEWS CATEGORIES:</h3>", "<h4>READER COMMENTS:</h4>",  # widget headings
    "<h4>Trending Today</h4>", "<h4>Must-Read Related Articles:</h4>",
    "<p>Copyright © 2001-2008 Harbour Weekly. Contact us at</p>",
    "<p>Editor-in-Chief: Ann Marsh. Editor: Lee Chan</p>",  # the masthead and the switchboard
    "<p>Ph: 0044-131-2224202, 2224460 Fax: 2225622.</p>",
    "<p>General comments: desk@harbour.example. Comments about this site: web@harbour.example.</p>",
    "<p>E-mail comments to Ann Marsh</p>", "<p>E-mail: <a href='mailto:desk@harbour.example'>the desk</a></p>",
    "<p><a href='/about'>About</a> <a href='/contact'>Contact</a></p>",  # a footer menu without separators
    "<p>Harbour Weekly Ltd. 1997-2008 Copyright. Privacy Policy Sitemap</p>",
    "<p>[-] Text [+]</p>", "<p>RATING:</p>", "<p>By: <a href='/wire'>Harbour Wire</a></p>",
    "<p>Jan 6th '08 by Ann Marsh @ 11:18am</p>",  # a stamp with its clock time behind an "@"
    "<p>%s1 / %s2</p>",  # a template's placeholders
    "<p>And join us on <a href='https://facebook.example/harbour'>Facebook</a></p>",
    "<p>Something to say? Choose one of these options to log in.</p>", "<p><a href='/login'>Login</a> to have your say</p>",
    "<p><a href='https://maps.example/?q=pier'>Google Maps</a></p>",  # a listing's links
    "<p>• Discuss this story on the <a href='/forum'>Harbour Rowing message board</a>...</p>",  # forum calls
    "<p><a href='/post'>Write a post »</a> to post comments on this article</p>",
    "<p>• Add to <a href='https://delicious.example/'>Del.icio.us</a></p>",  # a share call, half linked
    "<p>TELL US WHAT YOU THINK:</p>", "<p>Adjust text size:</p>", "<p>➡️ PRIVACY POLICY</p>",
    "<p>@HarbourDesk</p>",  # the writer's handle alone
    "<p>Harbour.com Staff</p>",  # the desk's byline left in the body
    "<p>This page is best viewed in an up-to-date web browser with style sheets (CSS) enabled.</p>",
    "<p>By providing information about events on this site, Harbour Weekly shall not be deemed to endorse them.</p>",
    "<p>Posted in: |</p>",
    "<p>Harbour Media Ltd. 1998-2009 <a href='/privacy'>Privacy Policy</a>. <a href='/map'>Sitemap</a> Home</p>",
    "<p>General comments: desk@harbour.example. Comments about this site: <a href='/contact'>Contact</a>.</p>",
])
def test_offers_widgets_and_comment_tools_go(furniture: str) -> None:
    _body_is_prose(_page(after=furniture))


@pytest.mark.parametrize("furniture", [
    "<p><a href='/uk'>UK</a>>><a href='/uk/ports'>Ports</a> >> <a href='/uk/ports/leith'>Leith</a></p>",  # a breadcrumb
    "<p>Views : 1,204 # Story Code : HW-5512 Print Date : Monday, March 3, 2008</p>",  # a view counter
    "<p><a href='https://vimeo.com/1'>The new pier</a> from <a href='https://vimeo.com/u'>Harbour TV</a> on "
    "<a href='https://vimeo.com'>Vimeo</a>.</p>",  # an embedded video's fallback line
    "<p>Lowest Price in 30 days Best Value</p>",  # a shop card's badge
    "<p><a href='/tag/ports'>Ports</a>, <a href='/tag/ferries'>Ferries</a>, <a href='/tag/leith'>Leith</a></p>",
    "<p><a href='/more'>Learn More</a><a href='/shop'>Buy Now</a></p>",  # buttons glued together
    "<p><a href='https://ads.example/adclick/CID=77'>Ferry breaks</a> Cheap crossings all winter.</p>",  # a text ad
    "<div class='inline_poll'><h3>Live Poll</h3><p>Should the pier be rebuilt in stone or in timber?</p>"
    "<p>Stone</p><p>61%</p><p>Timber</p><p>39%</p></div>",  # a reader poll with its live percentages
    "<p>• <a href='https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fharbour.example%2Fpier'>"
    "Tell the harbour rowing club</a></p>",  # a share button, whatever its text says
    "<p>Number of Oars: 8 | Top Speed in Knots: 6</p>",  # a product card's spec row
    "<p>Harbour Weekly, the Harbour Weekly crest, the Pier Cam name and logo and the Tide Table word mark are "
    "registered trademarks, and Ferry Finder, Quay Life, Harbour Radio and Sea Shanty Sundays are trademarks of "
    "Harbour Media. All logos and marks depicted herein are the property of Harbour Media and may not be reproduced "
    "without prior written consent. © Harbour Media 2012. All Rights Reserved.</p>",  # a legal notice, however long
    "<p>This page is best viewed in an up-to-date web browser with style sheets (CSS) enabled. While you will be "
    "able to view the content of this page in your current browser, you will not be able to get the full visual "
    "experience. Please consider upgrading your browser software or enabling style sheets (CSS) if you are able "
    "to do so.</p>",
])
def test_page_tools_between_paragraphs_go(furniture: str) -> None:
    _body_is_prose(_page(middle=furniture))


_SIGNUP_BOX = ("<section><div>Harbour Deals</div><div>Fresh catches and ferry offers, picked for you.</div>"
               "<form action='/join'><input type='tel' name='phone'><button>Sign me up</button></form></section>")


def test_a_sign_up_box_goes_with_its_heading_and_blurb() -> None:
    _body_is_prose(_page(middle=_SIGNUP_BOX))


def test_a_short_story_that_shares_its_block_with_a_sign_up_form_stays() -> None:
    form = "<form action='/join'><input type='email' name='email'></form>"
    tree = parse_html(_page(after=form))
    remove_invisible(tree)  # the block holding the form is the story's: only the form goes
    assert [p.text for p in tree.iter("p")] == _PROSE and next(tree.iter("form"), None) is None


def test_a_form_around_the_story_cell_keeps_the_story_and_a_comment_form_goes() -> None:
    story = "".join(f"<p>{p} The board said more would follow.</p>" for p in _PROSE)
    email_box = "Your name <input type='text' name='from'> Message <textarea name='msg'></textarea>"
    comments = ("<form action='/comment'><p>Please remember that the submission of any material is governed by our "
                "terms and that by posting you confirm your agreement.</p><p>Your name: *</p>"
                "<textarea name='c'></textarea></form>")
    sidebar = "".join(f"<li><a href='/s/{i}'>Another story from the harbour desk, number {i}</a></li>" for i in range(40))
    html = (f"<html><head><title>Pier to be rebuilt</title></head><body><ul>{sidebar}</ul><table><tr><td>"
            f"<form id='page' action='/p'><h1>Pier to be rebuilt</h1>{story}{email_box}</form>{comments}"
            "</td></tr></table></body></html>")
    body = clean(html).body
    assert body.split("\n")[:4] == [f"{p} The board said more would follow." for p in _PROSE]
    assert "submission of any material" not in body


def test_a_numbered_item_ending_in_desk_is_story_text() -> None:
    item = "6. The Trade Desk"
    assert item in clean(_page(middle=f"<p>{item}</p>"), "https://www.example.org/news/pier").body.split("\n")


_CARDS = [("business", "Ferry fares to rise", "Operators blame the price of fuel."),
          ("travel", "Where to stay", "Our pick of the hotels on the seafront."),
          ("sport", "Rowers win again", "A third title in a row for the harbour club.")]


@pytest.mark.parametrize("where", ["middle", "after"])
def test_a_row_of_the_site_own_story_cards_goes_with_its_teasers(where: str) -> None:
    cards = "".join(f"<p><a href='/{section}'>{section.upper()}</a></p><p><a href='/{section}/1'>{head}</a></p>"
                    f"<p>{teaser}</p>" for section, head, teaser in _CARDS)
    assert clean(_page(**{where: cards}), "https://www.example.org/news/pier").body == "\n".join(_PROSE)


def test_story_cards_with_teasers_cut_off_go() -> None:
    excerpt = ("THE HARBOUR BOARD met again on Thursday to hear from the fishermen who use the eastern pier every "
               "morning, and to set the dates for the first stage of the...")
    cards = "".join(f"<p>Front Page</p><p><a href='/{section}/1'>{head}</a></p><p>{excerpt}</p>"
                    for section, head, _ in _CARDS)
    assert clean(_page(after=cards), "https://www.example.org/news/pier").body == "\n".join(_PROSE)


def test_links_with_long_write_ups_between_them_are_not_story_cards() -> None:
    write_up = " ".join(["It carries the fishing fleet and the ferry to the islands, and it has been mended twice."] * 2)
    cards = "".join(f"<p><a href='/{section}/1'>{head}</a></p><p>{write_up}</p>" for section, head, _ in _CARDS)
    body = clean(_page(after=cards), "https://www.example.org/news/pier").body
    assert all(head in body for _, head, _ in _CARDS) and body.count(write_up) == len(_CARDS)


def test_a_tool_bar_goes_with_the_headline_in_one_of_its_slots() -> None:
    bar = "".join(f"<p><a href='https://share.example/?u={i}'>{text}</a></p>" for i, text in
                  enumerate(["Post to Digg", "The perfect beach for a winter break", "Print"]))
    _body_is_prose(_page(middle=bar))


def test_one_button_beside_headline_links_is_no_tool_bar() -> None:
    links = "".join(f"<p><a href='https://other.example/{i}'>{text}</a></p>" for i, text in
                    enumerate(["Harbour history society", "Pier restoration fund", "Print"]))
    body = clean(_page(middle=links), "https://www.example.org/news/pier").body
    assert "Harbour history society" in body and "Pier restoration fund" in body


def test_the_author_note_at_the_foot_goes_but_the_same_sentence_in_the_story_stays() -> None:
    note = "<p>Jane Roe is a senior reporter for the Harbour Weekly who covers ports and ferries.</p>"
    _body_is_prose(_page(after=note))
    assert "Jane Roe is a senior reporter" in clean(_page(before=note)).body


def test_a_run_of_one_link_text_repeated_is_not_a_menu() -> None:
    repeated = "".join(f"<p><a href='/doc/{i}'>link</a></p>" for i in range(4))
    assert clean(_page(middle=repeated), "https://example.org/pier").body.count("link") == 4


def test_a_line_of_four_links_and_nothing_else_goes() -> None:
    tags = " ".join(f"<a href='/topic/{t}'>{t.title()} News</a>" for t in ("ports", "ferries", "fishing", "weather"))
    _body_is_prose(_page(middle=f"<p>{tags}</p>"))


def test_a_sentence_with_four_links_stays() -> None:
    sentence = ("<p>The <a href='/a'>board</a>, the <a href='/b'>council</a>, the <a href='/c'>fishermen</a> and "
                "the <a href='/d'>ferry company</a> all signed the agreement on the pier on Tuesday morning.</p>")
    assert "all signed the agreement" in clean(_page(middle=sentence)).body


def test_a_stamp_in_a_summary_block_under_the_headline_is_not_the_dek() -> None:
    page = _page().replace("<h1>Pier to be rebuilt</h1>",
                           "<h1>Pier to be rebuilt</h1><div class='summary'>(AFP) Saturday 12 January 2008</div>")
    _body_is_prose(page)


@pytest.mark.parametrize("heading", ["Recent Harbour Stories", "Top stories of the week"])
def test_a_heading_with_words_of_its_own_is_no_widget_label(heading: str) -> None:
    assert heading in clean(_page(middle=f"<h3>{heading}</h3>")).body


def test_the_link_lines_under_a_related_heading_go_with_it() -> None:
    related = ("<h4>Related Harbour News</h4>" + "".join(
        f"<p><a href='https://wire.example/{i}'>{title}</a> [Leith]</p>" for i, title in
        enumerate(["Ferry fares to rise", "Lighthouse keeper retires"])))
    _body_is_prose(_page(after=related))


@pytest.mark.parametrize("line", ["Terms of the deal", "Help for the harbour", "Contact the board by March."])
def test_one_site_page_name_or_a_sentence_is_no_footer_menu(line: str) -> None:
    assert not is_furniture_line(line)
