"""HTML templates: article pages, listing pages and simple pages, WordPress-style."""
from __future__ import annotations

import json
import random
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from html import escape

from .prose import COMMENTS, FIRST, LAST, MONTHS, PLACES, SECTIONS

SITE_NAME = "Demo Daily"
WEATHER = ("Sunny", "Light rain", "Cloudy", "Showers", "Fog", "Clear", "Windy", "Drizzle")
SOCIAL = ("facebook", "twitter", "whatsapp", "linkedin", "pinterest", "email")
ASSETS = ("wp-block-library", "theme-style", "sfsi-style", "addtoany", "jetpack-related",
          "cookie-law-info", "gtranslate")


@dataclass
class PageContext:
    """Everything a page needs to know about the rest of the site."""

    now: datetime
    origin: str = ""
    articles: list[dict] = field(default_factory=list)
    sections: tuple[str, ...] = SECTIONS
    prefix: str = ""

    def url(self, path: str) -> str:
        """Link target for a site path (absolute when the site has an origin)."""
        return self.origin + path

    @cached_property
    def links(self) -> list[tuple[str, str, str, str]]:
        """(href, escaped title, section, published) per article, in site order."""
        return [(self.url(a["path"]), escape(a["title"]), a["section"], a["published"])
                for a in self.articles]

    @cached_property
    def newest(self) -> list[int]:
        """Article indices, newest first."""
        return sorted(range(len(self.articles)), key=lambda i: self.articles[i]["published"],
                      reverse=True)


def long_date(iso: str) -> str:
    """'November 27, 2026' from an ISO timestamp."""
    when = datetime.fromisoformat(iso)
    return f"{MONTHS[when.month - 1]} {when.day}, {when.year}"


def clock(when: datetime) -> str:
    """'3:14 pm'."""
    return f"{(when.hour - 1) % 12 + 1}:{when.minute:02d} {'am' if when.hour < 12 else 'pm'}"


def ago(then: str, now: datetime) -> str:
    """'N minutes ago' / 'N hours ago' / 'N days ago'."""
    minutes = max(1, int((now - datetime.fromisoformat(then)).total_seconds() // 60))
    if minutes < 60:
        return plural(minutes, "minute") + " ago"
    if minutes < 1440:
        return plural(minutes // 60, "hour") + " ago"
    return plural(minutes // 1440, "day") + " ago"


def plural(count: int, noun: str) -> str:
    """'1 minute', '2 minutes'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _global_css() -> str:
    """A large constant stylesheet like the ones WordPress inlines."""
    colours = [f"--wp--preset--color--c{i}: #{(i * 2654435761) % 0xFFFFFF:06x};" for i in range(30)]
    rules = [f".has-c{i}-color{{color: var(--wp--preset--color--c{i}) !important;}}\n"
             f".has-c{i}-background-color{{background-color: var(--wp--preset--color--c{i}) !important;}}"
             for i in range(30)]
    spacing = [f".wp-block-columns.is-layout-flex.gap-{i}{{gap: {i * 0.25}rem;}}" for i in range(40)]
    return "body{" + "".join(colours) + "}\n" + "\n".join(rules + spacing)


def _svg_sprite() -> str:
    """Inline SVG icon sprite."""
    paths = "".join(
        f'<symbol id="icon-{name}" viewBox="0 0 24 24"><path d="M{i}.5 2.2c-1.3 0-2.4 1.1-2.4 2.4v14.8'
        f'c0 1.3 1.1 2.4 2.4 2.4h{i % 9}.1l3.2-3.2V4.6c0-1.3-1.1-2.4-2.4-2.4z"/></symbol>'
        for i, name in enumerate(SOCIAL + ("search", "menu", "close", "clock", "user", "comment") * 4))
    return f'<svg style="display:none" xmlns="http://www.w3.org/2000/svg">{paths}</svg>'


GLOBAL_CSS = _global_css()
SVG_SPRITE = _svg_sprite()
EMOJI_SCRIPT = ("window._wpemojiSettings = " + json.dumps({
    "baseUrl": "https://s.w.org/images/core/emoji/14.0.0/72x72/", "ext": ".png",
    "svgUrl": "https://s.w.org/images/core/emoji/14.0.0/svg/", "svgExt": ".svg",
    "source": {"concatemoji": "/wp-includes/js/wp-emoji-release.min.js"}}) + ";\n"
    + "!function(i,n){var o,s,e;function c(e){try{var t={supportTests:e,timestamp:(new Date).valueOf()};"
    "sessionStorage.setItem(o,JSON.stringify(t))}catch(e){}}" * 12 + "}(window,document);")


def _builder_rules() -> list[str]:
    """A fixed pool of page-builder CSS rules."""
    rng = random.Random(7)
    return [f".elementor .elementor-element.elementor-element-{rng.getrandbits(28):07x}"
            f"{{margin-top:{rng.randint(0, 40)}px;padding:{rng.randint(0, 24)}px;"
            f"--e-column-margin-right:{rng.randint(0, 30)}px;}}" for _ in range(420)]


BUILDER_RULES = _builder_rules()


def post_css(article_id: int, rng: random.Random) -> str:
    """Per-post builder CSS (its size varies a lot from post to post)."""
    start, count = rng.randint(0, 60), rng.randint(0, 340)
    return f"/* elementor-post-{article_id} */\n" + "\n".join(BUILDER_RULES[start:start + count])


@dataclass
class Chrome:
    """The changing page furniture, all drawn from one chrome seed."""

    rng: random.Random
    now: datetime

    @classmethod
    def from_seed(cls, chrome_seed: int, now: datetime) -> "Chrome":
        rng = random.Random(chrome_seed)
        return cls(rng, now + timedelta(minutes=rng.randint(0, 90)))

    def ver(self) -> str:
        return f"6.{self.rng.randint(0, 5)}.{self.rng.randint(0, 9)}"

    def nonce(self) -> str:
        return f"{self.rng.getrandbits(40):010x}"

    def count(self, low: int, high: int) -> str:
        return f"{self.rng.randint(low, high):,}"


def head(title: str, ctx: PageContext, chrome: Chrome, extra: str = "") -> str:
    """The <head> element, with stylesheets, inline CSS and scripts."""
    styles = "".join(
        f"<link rel='stylesheet' id='{name}-css' href='{ctx.url(ctx.prefix)}/wp-content/plugins/{name}/style.css"
        f"?ver={chrome.ver()}' media='all' />\n" for name in ASSETS)
    return (f'<head>\n<meta charset="UTF-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title} \u2013 {SITE_NAME}</title>\n{extra}"
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" href="{ctx.url(ctx.prefix)}/feed.xml">\n'
            f"{styles}<style id='global-styles-inline-css'>\n{GLOBAL_CSS}\n</style>\n"
            f"<script>\n{EMOJI_SCRIPT}\n</script>\n"
            f"<script>var sfsi_icon_ajax_object = {{\"nonce\":\"{chrome.nonce()}\",\"plugin_url\":\"/wp-content/plugins/ultimate-social-media-icons/\"}};</script>\n"
            "</head>\n")


def top_of_page(ctx: PageContext, chrome: Chrome) -> str:
    """Top bar, header with menu, search form and breaking-news ticker."""
    rng, now = chrome.rng, chrome.now
    menu = "".join(f'<li class="menu-item"><a href="{ctx.url(ctx.prefix)}/section/{s}.html">{s.title()}</a></li>'
                   for s in ctx.sections)
    ticker = "".join(f'<li><a href="{ctx.links[i][0]}">{ctx.links[i][1]}</a></li>'
                     for i in _pick(rng, len(ctx.links), 4))
    home = ctx.url(ctx.prefix) + "/"
    return (f'<div id="page" class="site">\n<div class="top-bar"><span class="today">{now:%A}, {long_date(now.isoformat())}</span>'
            f' <span class="last-updated">Updated {plural(rng.randint(1, 59), "minute")} ago</span>'
            f' <span class="weather">{rng.choice(PLACES)} {rng.randint(-3, 24)}\u00b0C {rng.choice(WEATHER)}</span></div>\n'
            f'<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="{home}" rel="home">{SITE_NAME}</a></p>'
            f'<p class="site-description">Independent news, every day</p></div>\n'
            f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu"><li class="menu-item"><a href="{home}">Home</a></li>{menu}'
            f'<li class="menu-item"><a href="{ctx.url(ctx.prefix)}/about.html">About</a></li><li class="menu-item"><a href="{ctx.url(ctx.prefix)}/contact.html">Contact</a></li></ul></nav>\n'
            f'<form role="search" method="get" class="search-form" action="{home}"><label><span class="screen-reader-text">Search for:</span>'
            f'<input type="search" class="search-field" placeholder="Search \u2026" name="s"></label><input type="submit" class="search-submit" value="Search"></form>\n'
            f'<div class="breaking-news-ticker"><span class="ticker-label">Breaking News</span><ul>{ticker}</ul></div>\n</header>\n')


def _pick(rng: random.Random, n: int, k: int, skip: int = -1) -> list[int]:
    """Up to k distinct indices below n, avoiding `skip`."""
    picked = [i for i in rng.sample(range(n), min(n, k + 1)) if i != skip]
    return picked[:k]


def sidebar(ctx: PageContext, chrome: Chrome) -> str:
    """Trending (with view counts), latest news (with ages) and a newsletter box."""
    rng = chrome.rng
    trending = "".join(f'<li><a href="{ctx.links[i][0]}">{ctx.links[i][1]}</a> <span class="views">{rng.randint(2, 990) / 10}K views</span></li>'
                       for i in _pick(rng, len(ctx.links), 5))
    latest = "".join(f'<li><a href="{ctx.links[i][0]}">{ctx.links[i][1]}</a> <span class="ago">{ago(ctx.links[i][3], chrome.now)}</span></li>'
                     for i in ctx.newest[:5])
    return (f'<aside id="secondary" class="widget-area">\n<section class="widget widget_trending"><h2 class="widget-title">Trending</h2><ol>{trending}</ol></section>\n'
            f'<section class="widget widget_latest"><h2 class="widget-title">Latest news</h2><ul>{latest}</ul></section>\n'
            f'<section class="widget widget_newsletter"><h2 class="widget-title">Newsletter</h2><p>Join {chrome.count(20000, 90000)} readers who get our morning briefing.</p>'
            f'<form action="/subscribe" method="post"><input type="email" name="email" placeholder="Your email"><input type="hidden" name="nonce" value="{chrome.nonce()}"><button>Sign up</button></form></section>\n</aside>\n')


def bottom_of_page(ctx: PageContext, chrome: Chrome) -> str:
    """Footer with recent posts, cookie banner, translate widget, scripts, tracking pixel."""
    rng = chrome.rng
    recent = "".join(f'<li><a href="{ctx.links[i][0]}">{ctx.links[i][1]}</a></li>' for i in ctx.newest[:5])
    scripts = "".join(f"<script src='{ctx.url(ctx.prefix)}/wp-content/plugins/{name}/script.min.js?ver={chrome.ver()}' id='{name}-js'></script>\n"
                      for name in ASSETS)
    return (f'<footer id="colophon" class="site-footer"><div class="footer-widgets"><section class="widget"><h3 class="widget-title">Recent Posts</h3><ul>{recent}</ul></section>'
            f'<section class="widget"><h3 class="widget-title">Follow us</h3><p>{chrome.count(1000, 99000)} followers</p></section></div>\n'
            f'<div class="site-info">\u00a9 {ctx.now.year} {SITE_NAME}. All rights reserved. <a href="{ctx.url(ctx.prefix)}/about.html">About</a> | <a href="{ctx.url(ctx.prefix)}/contact.html">Contact</a></div></footer>\n</div>\n'
            '<div id="cookie-law-info-bar" data-nosnippet="true"><span>We use cookies on our website to give you the most relevant experience. '
            'By clicking \u201cAccept\u201d, you consent to the use of ALL the cookies.</span> <a role="button" class="cli_settings_button">Cookie settings</a> '
            '<a role="button" id="cookie_action_close_header" class="cli-plugin-button">Accept</a></div>\n'
            '<div class="gtranslate_wrapper"><a href="#" class="glink" title="Translate">Translate \u00bb</a><div class="gt_options">'
            + "".join(f'<a href="#" class="glink nturl" data-gt-lang="{c}">{c}</a>' for c in ("fr", "de", "es", "it", "pt", "nl"))
            + f"</div></div>\n{SVG_SPRITE}\n{scripts}"
            f"<script>!function(f,b,e,v,n,t,s){{if(f.fbq)return;n=f.fbq=function(){{n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)}};}}(window,document,'script');fbq('init','{rng.getrandbits(48)}');fbq('track','PageView');</script>\n"
            f'<noscript><img height="1" width="1" style="display:none" alt="fbpx" src="https://www.facebook.com/tr?id={rng.getrandbits(48)}&amp;ev=PageView&amp;noscript=1" /></noscript>\n'
            "</body>\n</html>\n")


def article_head_meta(state: dict, ctx: PageContext) -> str:
    """Canonical, Open Graph, article:* meta and JSON-LD NewsArticle."""
    url, title = ctx.url(state["path"]), escape(state["title"])
    ld = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": state["title"],
        "datePublished": state["published"], "dateModified": state["modified"],
        "author": [{"@type": "Person", "name": state["author"]}], "articleSection": state["section"].title(),
        "mainEntityOfPage": url, "publisher": {"@type": "Organization", "name": SITE_NAME}},
        ensure_ascii=False).replace("</", "<\\/")
    return (f'<link rel="canonical" href="{url}">\n<meta property="og:locale" content="en_US">\n'
            f'<meta property="og:type" content="article">\n<meta property="og:title" content="{title}">\n'
            f'<meta property="og:description" content="{escape(state["standfirst"])}">\n<meta property="og:url" content="{url}">\n'
            f'<meta property="og:site_name" content="{SITE_NAME}">\n<meta property="article:section" content="{state["section"].title()}">\n'
            f'<meta property="article:published_time" content="{state["published"]}">\n'
            f'<meta property="article:modified_time" content="{state["modified"]}">\n<meta name="author" content="{escape(state["author"])}">\n'
            f'<script type="application/ld+json">{ld}</script>\n')


def share_bar(chrome: Chrome) -> str:
    """UltimatelySocial follow/share bar with counts (share total in an <h3>)."""
    icons = "".join(f'<div class="sfsi_wicons shuffeldiv"><a class="sfsi_{s}" href="#" aria-label="{s.title()}"><svg><use href="#icon-{s}"/></svg></a>'
                    f'<span class="bot_no">{chrome.count(0, 4000)}</span></div>' for s in SOCIAL[:5])
    return (f'<div class="sfsi_widget sfsi_shortcode_container"><div class="norm_row sfsi_wDiv">'
            f'<p class="sfsi_plz_follow">Please follow and like us:</p>{icons}'
            f'<h3 class="sfsi_share_total">{chrome.count(12, 9000)} Shares</h3></div></div>\n')


def ad_block(chrome: Chrome, slot: int) -> str:
    """An Ad Inserter block with its 'Advertisement' label."""
    ad_id = f"div-gpt-ad-{chrome.rng.randint(10 ** 12, 10 ** 13 - 1)}-{slot}"
    return (f'<div class="code-block code-block-{slot}" style="margin: 8px 0; clear: both;"><p>Advertisement</p>'
            f'<div id="{ad_id}" style="min-width: 300px; min-height: 250px;"></div>'
            f"<script>googletag.cmd.push(function() {{ googletag.display('{ad_id}'); }});</script></div>\n")


def a2a_kit(chrome: Chrome, url: str) -> str:
    """AddToAny share kit."""
    buttons = "".join(f'<a class="a2a_button_{s}" href="https://www.addtoany.com/add_to/{s}?linkurl={escape(url)}" rel="nofollow noopener" target="_blank"></a>'
                      for s in SOCIAL)
    return (f'<div class="addtoany_share_save_container addtoany_content addtoany_content_bottom"><div class="addtoany_header">Share</div>'
            f'<div class="a2a_kit a2a_kit_size_32 addtoany_list" data-a2a-url="{url}">{buttons}'
            f'<a class="a2a_dd addtoany_share_save addtoany_share" href="https://www.addtoany.com/share"></a>'
            f'<span class="a2a_count"><span>{chrome.count(0, 999)}</span></span></div></div>\n')


def related(ctx: PageContext, chrome: Chrome, index: int) -> str:
    """Jetpack 'Related' block whose items are <p> and <h4> elements."""
    items = "".join(f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="{ctx.links[i][0]}">{ctx.links[i][1]}</a></h4>'
                    f'<p class="jp-relatedposts-post-date">{long_date(ctx.links[i][3])}</p>'
                    f'<p class="jp-relatedposts-post-context">In &quot;{ctx.links[i][2].title()}&quot;</p></div>'
                    for i in _pick(chrome.rng, len(ctx.links), 3, skip=index))
    return (f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>'
            f'<div class="jp-relatedposts-items jp-relatedposts-items-visual">{items}</div></div>\n')


def body_html(state: dict, chrome: Chrome, ad_after: tuple[int, ...]) -> str:
    """Standfirst and body blocks, with ads slotted between paragraphs."""
    tag = state.get("standfirst_tag", "p")
    parts = [f'<h2 class="standfirst">{escape(state["standfirst"])}</h2>\n' if tag == "h2"
             else f'<p class="standfirst">{escape(state["standfirst"])}</p>\n']
    kinds, paragraphs = state["kinds"], state["paragraphs"]
    for i, (kind, text) in enumerate(zip(kinds, paragraphs)):
        if kind == "li":
            opening = "<ul>\n" if i == 0 or kinds[i - 1] != "li" else ""
            closing = "</ul>\n" if i + 1 == len(kinds) or kinds[i + 1] != "li" else ""
            parts.append(f"{opening}<li>{escape(text)}</li>\n{closing}")
        elif kind == "blockquote":
            parts.append(f"<blockquote class=\"wp-block-quote\"><p>{escape(text)}</p></blockquote>\n")
        else:
            parts.append(f"<{kind}>{escape(text)}</{kind}>\n")
        if i in ad_after and kind == "p":
            parts.append(ad_block(chrome, len(parts)))
    return "".join(parts)


def entry_meta(state: dict, ctx: PageContext, chrome: Chrome, comments: int) -> str:
    """Date, visible byline, comment count, views, reading time."""
    words = sum(len(p.split()) for p in state["paragraphs"])
    author = state["author"]
    return (f'<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{state["published"]}">{long_date(state["published"])}</time>'
            f'<time class="updated" datetime="{state["modified"]}" hidden>{long_date(state["modified"])}</time></span> '
            f'<span class="byline">By <span class="author vcard"><a class="url fn n" href="{ctx.url(ctx.prefix)}/author/{slug_of(author)}.html">{escape(author)}</a></span></span> '
            f'<span class="comments-link"><a href="#comments">{plural(comments, "Comment")}</a></span> '
            f'<span class="post-views">{chrome.count(100, 40000)} views</span> <span class="reading-time">{max(1, words // 200)} min read</span></div>\n')


def slug_of(text: str) -> str:
    """URL slug: lower-case words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(c if c.isalnum() else " " for c in ascii_text.lower().replace("'", ""))
    return "-".join(out.split()[:9])


def comments_html(state: dict, chrome: Chrome, count: int) -> str:
    """Comments list with 'N Comments on "Headline"' and the reply form."""
    rng = chrome.rng
    items = "".join(f'<li id="comment-{rng.randint(1000, 99999)}" class="comment"><article class="comment-body"><footer class="comment-meta">'
                    f'<div class="comment-author vcard"><b class="fn">{rng.choice(FIRST)} {rng.choice(LAST)[0]}.</b> <span class="says">says:</span></div>'
                    f'<div class="comment-metadata"><time>{long_date(state["published"])} at {rng.randint(1, 12)}:{rng.randint(0, 59):02d} pm</time></div></footer>'
                    f'<div class="comment-content"><p>{rng.choice(COMMENTS)}</p></div><div class="reply"><a class="comment-reply-link" href="#respond">Reply</a></div></article></li>'
                    for _ in range(count))
    heading = (f'<h2 class="comments-title">{plural(count, "Comment")} on &ldquo;{escape(state["title"])}&rdquo;</h2>'
               f'<ol class="comment-list">{items}</ol>')
    return (f'<div id="comments" class="comments-area">{heading}\n<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>'
            f'<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">Your email address will not be published. Required fields are marked *</p>'
            f'<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" rows="8"></textarea></p>'
            f'<input type="hidden" id="_wpnonce" name="_wpnonce" value="{chrome.nonce()}"><input type="hidden" name="comment_post_ID" value="{state["id"]}">'
            f'<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p></form></div></div>\n')


def neighbours(ctx: PageContext, index: int) -> str:
    """Previous / next post navigation."""
    links = []
    for label, j in (("Previous", index - 1), ("Next", index + 1)):
        if 0 <= j < len(ctx.links):
            links.append(f'<div class="nav-{label.lower()}"><a href="{ctx.links[j][0]}" rel="{label[:4].lower()}">'
                         f'<span class="meta-nav">{label} Post</span> {ctx.links[j][1]}</a></div>')
    return f'<nav class="navigation post-navigation"><div class="nav-links">{"".join(links)}</div></nav>\n'


def render_article(state: dict, chrome_seed: int, ctx: PageContext | None = None) -> str:
    """One article page: article text from `state`, everything around it from `chrome_seed`."""
    ctx = ctx or PageContext(now=datetime.fromisoformat(state["modified"]), articles=[state])
    chrome, fixed = Chrome.from_seed(chrome_seed, ctx.now), random.Random(state["id"] * 7919 + 13)
    index = state["id"] - 1
    title, url = escape(state["title"]), ctx.url(state["path"])
    comments = chrome.rng.randint(0, 3)
    ads = (2, fixed.randint(5, 8))
    filler = f"<style id='elementor-post-{state['id']}-css'>\n{post_css(state['id'], fixed)}\n</style>\n"
    return "".join((
        '<!DOCTYPE html>\n<html lang="en-US">\n', head(title, ctx, chrome, article_head_meta(state, ctx) + filler),
        f'<body class="post-template-default single single-post postid-{state["id"]} single-format-standard">\n',
        top_of_page(ctx, chrome),
        '<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">\n',
        f'<div class="breadcrumbs" typeof="BreadcrumbList"><a href="{ctx.url(ctx.prefix)}/">Home</a> &raquo; <span class="current">{title}</span></div>\n',
        f'<article id="post-{state["id"]}" class="post-{state["id"]} post type-post status-publish format-standard hentry category-{state["section"]}">\n',
        f'<header class="entry-header"><div class="cat-links"><a href="{ctx.url(ctx.prefix)}/section/{state["section"]}.html" rel="category tag">{state["section"].title()}</a></div>\n',
        f'<h1 class="entry-title">{title}</h1>\n', entry_meta(state, ctx, chrome, comments),
        '<div class="newsletter-promo"><p><strong>Get the Demo Daily briefing</strong> \u2013 the day\'s top stories in your inbox every morning.</p>'
        '<a class="button" href="#newsletter">Subscribe free</a></div>\n</header>\n<div class="entry-content">\n',
        share_bar(chrome), body_html(state, chrome, ads), a2a_kit(chrome, url), related(ctx, chrome, index),
        '</div>\n<footer class="entry-footer"><span class="tags-links">Tags: ',
        ", ".join(f'<a href="{ctx.url(ctx.prefix)}/tag/{t}.html" rel="tag">{t.replace("-", " ").title()}</a>' for t in state["tags"]),
        "</span></footer>\n</article>\n", author_box(state, ctx), neighbours(ctx, index), comments_html(state, chrome, comments),
        "</main></div>\n", sidebar(ctx, chrome), "</div>\n", bottom_of_page(ctx, chrome)))


def author_box(state: dict, ctx: PageContext) -> str:
    """Author box with avatar and bio."""
    author = escape(state["author"])
    return (f'<div class="author-box"><img alt="{author}" src="https://secure.gravatar.com/avatar/{zlib.crc32(author.encode()):08x}?s=96&amp;d=mm" width="96" height="96">'
            f'<div class="author-info"><h4 class="author-title">About {author}</h4><p class="author-bio">{escape(state["bio"])}</p>'
            f'<a href="{ctx.url(ctx.prefix)}/author/{slug_of(state["author"])}.html">View all posts by {author}</a></div></div>\n')


def render_listing(title: str, items: list[int], chrome_seed: int, ctx: PageContext, intro: str = "") -> str:
    """A home, section, tag or author page listing articles."""
    chrome = Chrome.from_seed(chrome_seed, ctx.now)
    rows = "".join(f'<article class="post-summary"><h2 class="entry-title"><a href="{ctx.links[i][0]}" rel="bookmark">{ctx.links[i][1]}</a></h2>'
                   f'<div class="entry-meta"><a href="{ctx.url(ctx.prefix)}/section/{ctx.links[i][2]}.html">{ctx.links[i][2].title()}</a> \u00b7 '
                   f'{long_date(ctx.links[i][3])}</div><p class="excerpt">{escape(ctx.articles[i]["standfirst"])}</p></article>\n'
                   for i in items)
    tags = sorted({t for i in items for t in ctx.articles[i]["tags"]})[:30]
    cloud = "".join(f'<a href="{ctx.url(ctx.prefix)}/tag/{t}.html" class="tag-cloud-link">{t.replace("-", " ")}</a> ' for t in tags)
    return "".join(('<!DOCTYPE html>\n<html lang="en-US">\n', head(escape(title), ctx, chrome),
                    '<body class="archive">\n', top_of_page(ctx, chrome),
                    f'<div id="content" class="site-content"><main id="main" class="site-main"><h1 class="page-title">{escape(title)}</h1>{intro}\n',
                    rows, f'<section class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2><div class="tagcloud">{cloud}</div></section>\n</main>\n', sidebar(ctx, chrome), "</div>\n", bottom_of_page(ctx, chrome)))


def render_simple_page(title: str, paragraphs: list[str], chrome_seed: int, ctx: PageContext) -> str:
    """A plain page such as About or Contact."""
    chrome = Chrome.from_seed(chrome_seed, ctx.now)
    text = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return "".join(('<!DOCTYPE html>\n<html lang="en-US">\n', head(escape(title), ctx, chrome),
                    '<body class="page">\n', top_of_page(ctx, chrome),
                    f'<div id="content" class="site-content"><main id="main" class="site-main"><article class="page"><h1 class="entry-title">{escape(title)}</h1>\n',
                    f'<div class="entry-content">{text}</div></article></main>\n', sidebar(ctx, chrome), "</div>\n",
                    bottom_of_page(ctx, chrome)))
