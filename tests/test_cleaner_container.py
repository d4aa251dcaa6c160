"""Which part of the page the cleaner takes for the article, on small synthetic pages of their own."""
from __future__ import annotations

from crawler.cleaner import clean

_INTRO = ("Our critics listened to every record released this month, and these are the ones they kept "
          "coming back to, from quiet folk albums to loud, strange electronic experiments. Everything below "
          "will also be collected into a long playlist for members, who keep this magazine going every month.")
_REVIEWS = [
    ("Harbour Lights, Low Tide", "Recorded in a disused boathouse over a single winter, the second album of the "
     "duo sounds like weather coming in off the sea: slow drones, a cracked upright piano and field recordings "
     "of rigging, all of it patient, warm and far more tuneful than the premise suggests."),
    ("The Orchard Band, Second Picking", "Eleven songs about leaving a small town and coming back to it, sung "
     "in close harmony over banjo and a drum machine that should not work but does, which is the whole charm "
     "of a record that never once raises its voice and still stays with you for days."),
    ("Kiln, Glaze", "A noisy, joyful racket from a trio who met in a pottery class, with guitars tuned so low "
     "they rattle the speakers and choruses big enough for a stadium they will probably never play, and a "
     "closing track that runs for nineteen minutes without a single dull one."),
]


def _chart_page(chart: str = "") -> str:
    reviews = "".join(f"<div class='chart-item'><h3>{name}</h3><p>{text}</p></div>" for name, text in _REVIEWS)
    return (f"<html><head><title>Albums of the month</title></head><body><article><h1>Albums of the month</h1>"
            f"<div class='entry-content'><p>{_INTRO}</p>{reviews}{chart}</div></article></body></html>")


def test_entries_named_like_a_chart_that_hold_prose_are_the_article() -> None:
    body = clean(_chart_page()).body.split("\n")
    assert body == [_INTRO] + [line for review in _REVIEWS for line in review]


def test_a_real_chart_without_sentences_still_goes() -> None:
    chart = "<div class='chart'><p>0</p><p>250</p><p>500</p><p>Sales by month, in thousands</p></div>"
    body = clean(_chart_page(chart)).body
    assert "Sales by month" not in body and "250" not in body.split("\n")
    assert _REVIEWS[-1][1] in body


_GUIDE_INTRO = [
    "We tested fourteen kettles over three months, boiling, pouring, descaling and dropping them, in two kitchens.",
    "The short version: most of them boil water well, so pick by lid, spout, noise and the size of your hands.",
    "Prices below were checked this week; we buy every kettle ourselves and take no money from the makers.",
]
_PICKS = [
    "The steel kettle, from the first batch, was the quietest we tried, and the easiest to pour without a drip.",
    "A glass model, with a blue light, looked lovely on the counter, but its lid needed two hands to open.",
    "The cheapest kettle, at half the price of most, boiled fastest of all, and its handle stayed cool.",
    "One travel kettle folds flat, for a suitcase, though it holds only enough water for two small cups.",
    "Our favourite, for large families, holds almost two litres, and it shows the temperature on its base.",
    "The gooseneck model, made for pour-over coffee, is slow, precise, and a little fussy for tea drinkers.",
    "A smart kettle, which answers to a phone app, was clever for a week, and then mostly annoying to set up.",
    "The retro enamel kettle, for gas hobs, whistles loudly when it boils, and it will outlast every other pick.",
]


def _nested(text: str, depth: int = 5) -> str:
    return "<div class='layer'>" * depth + f"<p>{text}</p>" + "</div>" * depth


def test_a_small_box_scored_above_a_guide_widens_to_the_whole_guide() -> None:
    intro = "".join(f"<p>{p}</p>" for p in _GUIDE_INTRO)
    picks = "".join(f"<div class='pick'>{_nested(p)}</div>" for p in _PICKS)
    page = (f"<html><head><title>The best kettles</title></head><body><div class='shell'><div class='col'>"
            f"<h1>The best kettles</h1><div class='guide'><div class='summary'>{intro}</div>{picks}</div>"
            f"</div></div></body></html>")
    assert clean(page).body.split("\n") == _GUIDE_INTRO + _PICKS


def test_a_page_wrapper_is_not_taken_for_the_article() -> None:
    intro = "".join(f"<p>{p}</p>" for p in _GUIDE_INTRO + _WRITE_UPS)
    comments = "".join(f"<div class='reply'>{_nested(p)}</div>" for p in _PICKS)
    page = (f"<html><head><title>Kettles</title></head><body><div class='site'><h1>Kettles</h1>"
            f"<div class='story'>{intro}</div>{comments}</div></body></html>")
    assert clean(page).body.split("\n") == _GUIDE_INTRO + _WRITE_UPS


_WRITE_UPS = [
    "Flush the coolant every few years: old coolant turns acidic and slowly eats away at gaskets and the pump.",
    "Rotate the tires when you see uneven wear, so that the front pair and the rear pair last about as long.",
    "Replace the wiper blades at least once a year, because summer heat and winter road salt crack their rubber edges.",
    "Change the cabin air filter each spring, before the pollen season clogs it and the fan has to work much harder.",
]


def _card(icon: str, name: str, inner: str) -> str:
    return f"<div class='card'><div class='icon'><img src='/{icon}.png'></div><div class='name'>{name}</div>{inner}</div>"


def test_cards_of_an_icon_and_a_write_up_stay_in_the_article() -> None:
    rows = "".join(f"<div class='row'>{_card('a', 'Task', f'<div>{a}</div>')}{_card('b', 'Task', f'<div>{b}</div>')}</div>"
                   for a, b in zip(_WRITE_UPS[::2], _WRITE_UPS[1::2]))
    teasers = ("<div class='row'>" + _card("c", "More", "<div><a href='/x'>Ten road trips to take this year</a></div>")
               + _card("d", "More", "<div><a href='/y'>How to jump-start a car safely</a></div>") + "</div>")
    page = (f"<html><head><title>Car care</title></head><body><article><h1>Car care</h1><div class='text'>"
            f"<p>{_GUIDE_INTRO[0]}</p>{rows}{teasers}<p>{_GUIDE_INTRO[1]}</p></div></article></body></html>")
    body = clean(page).body
    assert all(w in body.split("\n") for w in _WRITE_UPS)
    assert "road trips" not in body and "jump-start" not in body


def _streamed_page(markers: bool) -> str:
    """A page as React's streaming server renderer sends it: placeholders first, content at the end."""
    opening, closing = ("<!--$?-->", "<!--/$-->") if markers else ("", "")
    slots = "".join(f"{opening}<template id='B:{i}'></template><div>Loading paragraph...</div>{closing}"
                    for i in range(len(_PICKS)))
    parts = "".join(f"<div hidden id='S:{i}'><p>{p}</p></div>" for i, p in enumerate(_PICKS))
    return (f"<html><head><title>The best kettles</title></head><body><main><h1>The best kettles</h1>"
            f"<div class='article-body'>{''.join(f'<p>{p}</p>' for p in _GUIDE_INTRO)}{slots}</div></main><footer>Site map</footer>{parts}</body></html>")


def test_streamed_react_parts_are_read_where_the_browser_shows_them() -> None:
    assert clean(_streamed_page(markers=True)).body.split("\n") == _GUIDE_INTRO + _PICKS


def test_streamed_parts_are_read_when_the_saved_page_lost_its_comments() -> None:
    body = clean(_streamed_page(markers=False)).body.split("\n")
    assert [line for line in body if "Loading" not in line] == _GUIDE_INTRO + _PICKS


# Short lines (under eight words each): a body with no sentence of its own.
_SHORT_NOTES = ["Saturday: painted waterfalls and giant shoes.", "Sunday: a maze of mirrors downstairs.",
                "Tickets are sold at the north gate.", "Children under twelve get in free.",
                "The fair closes at nine every evening.", "Parking is scarce, so take the tram."]


def test_a_photo_page_whose_caption_is_the_story_keeps_it_in_the_body() -> None:
    caption = ("A boy poses beside a painted waterfall at the art fair on Saturday, where visitors are invited to "
               "step into the pictures and take photographs, which most galleries forbid.")
    page = ("<html><head><title>Step into the picture</title></head><body><div class='story'>"
            f"<h1>Step into the picture</h1>{''.join(f'<p>{n}</p>' for n in _SHORT_NOTES)}<div class='gallery-item'>"
            f"<figure><img src='/boy.jpg'><figcaption>{caption}</figcaption></figure></div></div></body></html>")
    article = clean(page)
    assert article.body.split("\n") == _SHORT_NOTES + [caption] and article.captions == ()


def test_captions_beside_a_story_stay_captions() -> None:
    caption = "A boy poses beside a painted waterfall at the art fair on Saturday, one of many visitors."
    story = "".join(f"<p>{p}</p>" for p in _GUIDE_INTRO + _WRITE_UPS)
    page = ("<html><head><title>Art fair</title></head><body><article><h1>Art fair</h1>"
            f"<figure><img src='/boy.jpg'><figcaption>{caption}</figcaption></figure>{story}</article></body></html>")
    article = clean(page)
    assert article.captions == (caption,) and caption not in article.body


def test_a_sidebar_sharing_only_utility_classes_with_the_story_is_not_part_of_it() -> None:
    story = "".join(f"<p>{p}</p>" for p in _GUIDE_INTRO + _WRITE_UPS)
    teasers = "".join(f"<div><p><a href='/t{i}'>Read: part {i}</a></p><p>{p}</p></div>" for i, p in enumerate(_PICKS[:2]))
    page = ("<html><head><title>Car care</title></head><body><div id='app'><div class='layout'><main>"
            f"<div class='flex flex-col lg:flex-row'><div class='w-full lg:w-[60%] lg:sticky'><h1>Car care</h1>{story}"
            f"</div><div class='w-full lg:w-[40%] lg:sticky px-6'><p>Trending stories</p>{teasers}</div>"
            "</div></main></div></div></body></html>")
    assert clean(page).body.split("\n") == _GUIDE_INTRO + _WRITE_UPS


def test_product_write_ups_in_blocks_named_like_widgets_stay_in_the_guide() -> None:
    widgets = "".join(f"<div class='product-widget'><h3>Pick {i}</h3>{''.join(f'<p>{p}</p>' for p in _PICKS[i:i + 3])}"
                      f"<p><a href='/buy{i}'>Buy</a></p></div>" for i in (0, 3))
    page = ("<html><head><title>The best kettles</title></head><body><article><h1>The best kettles</h1>"
            f"<div class='text'>{''.join(f'<p>{p}</p>' for p in _GUIDE_INTRO)}{widgets}</div></article></body></html>")
    body = clean(page).body.split("\n")
    assert all(p in body for p in _PICKS[:6])


def test_an_author_cards_description_under_the_headline_is_not_the_dek() -> None:
    bio = "Sam Okafor is a gadget writer who studied English at a small college and once ran a phone shop."
    story = "".join(f"<p>{p}</p>" for p in _GUIDE_INTRO + _WRITE_UPS)
    page = ("<html><head><title>Phones</title></head><body><div class='post'><h1>Phones</h1>"
            f"<div class='meta'><div class='author-dropdown'><div class='description'><p>{bio}</p></div></div></div>"
            f"<div class='body-copy'>{story}</div></div></body></html>")
    assert clean(page).body.split("\n") == _GUIDE_INTRO + _WRITE_UPS


_MORE = " It is the one record of the month we would hand to a friend who says they no longer like new music."


def _ranked_page(links: str) -> str:
    items = "".join(f"<li><div class='rank'><h2>{name}</h2></div><div><div class='copy'><p>{text}{_MORE}</p>"
                    f"{links}</div></div></li>" for name, text in _REVIEWS)
    return (f"<html><head><title>Albums of the month</title></head><body><article><h1>Albums of the month</h1>"
            f"<p>{_INTRO}</p><ol>{items}</ol></article></body></html>")


def test_a_write_up_keeps_its_block_whatever_the_length_of_its_own_links() -> None:
    links = ("<p><a href='/reviews/one'>Read our full review of the album and the interview with the band</a></p>"
             "<p><a href='https://shop.example/a'>Compare prices for the vinyl edition at record shops</a></p>")
    body = clean(_ranked_page(links)).body
    assert all(f"{text}{_MORE}" in body for _, text in _REVIEWS)
