"""Boilerplate vocabulary: what page furniture looks like, kept as data grouped by concept."""
from __future__ import annotations

import re

# Class/id tokens are matched on word boundaries after splitting camelCase, so
# "share" hits `share-tools`, `sd-sharing` needs its own entry, and an article
# wrapper called `shared-content` is left alone. Every family names the concept
# it removes; per-site names belong in the sources file, not here.
BOILERPLATE_TOKENS: dict[str, tuple[str, ...]] = {
    # Share/follow/like widgets of the common plugins: UltimatelySocial (sfsi),
    # AddToAny (a2a), Jetpack sharedaddy/likes, Shareaholic, AddThis, generic bars.
    "social": (
        "share", "shares", "sharing", "share-bar", "sharebar", "share-buttons", "social",
        "social-share", "socialshare", "social-links", "social-icons", "sfsi", "sfsiplus",
        "a2a", "a2a-kit", "addtoany", "sharedaddy", "sd-sharing", "sd-like", "sd-block",
        "jetpack-likes-widget-wrapper", "shareaholic", "addthis", "at-share",
        "sociable", "follow-us", "followus", "likes-widget", "tweet-button",
    ),
    # Machine translation widgets (Google Translate, GTranslate, "Translate »").
    "translate": ("google-translate-element", "goog-te-gadget", "gtranslate", "translate-widget"),
    # Newsletter sign-ups, paywall/donation/membership asks.
    "asks": (
        "newsletter", "newsletters", "subscribe", "subscription", "signup", "sign-up",
        "donate", "donation", "donations", "membership-ask", "support-us", "paywall",
        "mailchimp", "mc4wp", "promo", "promotion", "cta",
    ),
    # Related / recommended / "in case you missed it" / previous-next blocks. "read-more"
    # is deliberately absent: sites call the collapsed second half of a story
    # `read-more-content`; "Read more" links go as labels and by TEASER_HEADINGS.
    "related": (
        "related", "relatedposts", "related-posts", "jp-relatedposts", "related-articles",
        "related-stories", "related-content", "related-links",
        "read-also", "also-read", "more-stories", "recommended", "recommendations",
        "recommend", "you-may-like", "taboola", "outbrain", "icymi", "most-read",
        "most-popular", "popular", "trending", "more-on-this-story", "post-navigation",
        "nav-links", "prev-next", "next-post", "previous-post", "inline-promo",
    ),
    # Advertising slots and their labels (Ad Inserter's `code-block`, DFP/GPT).
    "ads": (
        "ad", "ads", "advert", "adverts", "advertisement", "advertising", "ad-slot",
        "adslot", "ad-container", "ad-wrapper", "code-block", "dfp", "gpt-ad",
        "sponsored", "sponsor", "banner-ad", "adsbygoogle", "ad-unit",
    ),
    # Reader comments and the reply form.
    "comments": (
        "comment", "comments", "comment-list", "commentlist", "comment-respond",
        "respond", "disqus", "disqus-thread", "comments-area", "comment-form", "akismet",
    ),
    # Author biographies under the story (the byline element itself is not matched).
    "bio": ("author-box", "authorbox", "author-bio", "about-author", "author-profile", "bio-box"),
    # Consent banners and dialogs.
    "consent": ("cookie", "cookies", "cookie-notice", "cookie-banner", "consent", "gdpr", "cmp"),
    # Site navigation and page chrome.
    "navigation": (
        "breadcrumb", "breadcrumbs", "nav", "navbar", "navigation", "menu", "sidebar",
        "widget-area", "footer", "site-footer", "skip-link", "ticker",
        "topbar", "top-bar", "pagination", "search-form", "searchform",
    ),
    # Photo galleries and carousels beside the story: their captions are not the article.
    "galleries": ("slideshow", "carousel", "legends", "lightbox"),
    # Modal dialogs, flyouts and overlays (report-abuse forms, sign-in walls, lightboxes).
    "overlays": ("modal", "popup", "pop-up", "flyout", "overlay", "dialog"),
    # Chart and interactive-graphic internals: axis labels and data points are not prose.
    "graphics": ("ai2html", "interactive-graphic", "chart", "datawrapper", "infogram", "flourish-embed"),
    # Tags/topics lists under the article.
    "taxonomy": ("tags", "tag-list", "post-tags", "entry-tags", "tagcloud", "topics"),
    # Reader polls beside the story: their question, options and live percentages are not the article.
    "polls": ("poll", "polls", "poll-widget", "live-poll"),
    # Print/e-mail/reuse tools and similar utilities.
    "tools": ("print", "reuse", "syndication", "hidden-print"),
}

# A form holding this many paragraphs of prose wraps the story (ASP.NET puts one around its
# content cell, beside an "e-mail this article" box); a comment form's terms are fewer.
WRAPPED_STORY_PARAGRAPHS = 3
# A sign-up box (a form asking for an e-mail address or a phone number, with its heading, blurb
# and terms) holds no more text than this: beyond it, the block is the page around the form.
SIGNUP_BOX_CHARS = 700

# Tags whose content is never displayed as article text.
# (<form> is handled apart: ASP.NET pages wrap the whole page in one.)
NEVER_TEXT_TAGS: tuple[str, ...] = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
    "canvas", "input", "button", "select", "textarea", "label", "link", "meta",
    "head", "title", "map", "audio", "video", "source", "picture",
)

# Landmark tags that are page chrome rather than content.
CHROME_TAGS: tuple[str, ...] = ("nav", "footer", "aside", "dialog", "menu")

# Roles that mark chrome or hidden widgets.
CHROME_ROLES: frozenset[str] = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search", "menu", "menubar"}
)

# Blocks whose whole text is one of these labels are widget captions, not prose
# ("Advertisement", "Share this:"). Compared lowercased, trailing ":" "»" "…" removed.
LABEL_ONLY_TEXTS: frozenset[str] = frozenset({
    # ads
    "advertisement", "advertisements", "advert", "ad", "ads", "sponsored", "sponsored content",
    "story continues below advertisement", "article continues below advertisement",
    "continue reading below", "continue reading the main story", "โฆษณา", "广告", "広告",
    "publicité", "anzeige", "publicidad", "reklama",
    # sharing
    "share", "share this", "share this article", "share this story", "share on facebook",
    "share on twitter", "tweet", "like this", "please follow and like us", "more sharing options",
    "follow us", "shares", "email", "print", "facebook", "twitter", "whatsapp", "linkedin", "reddit",
    # related / more
    "related", "related articles", "related posts", "related stories", "read more", "read also",
    "more on this story", "you may like", "you may also like", "recommended", "most read",
    "in case you missed it", "loading", "loading...",
    # translate
    "translate", "select language",
})

# A short line made only of these words, one of them a LABEL_HEADING_TOPICS word, is a widget's
# heading or a section label ("NEWS CATEGORIES:", "Reader Comments", "Most Read Stories Today"),
# whatever its order; compared like LABEL_ONLY_TEXTS.
LABEL_HEADING_WORDS: frozenset[str] = frozenset({
    "news", "categories", "category", "trending", "today", "now", "blog", "blogs", "reader", "readers", "your",
    "comments", "comment", "related", "articles", "article", "stories", "story", "posts", "post", "must-read",
    "must", "read", "popular", "latest", "top", "most", "viewed", "shared", "emailed", "more", "recent",
    "archive", "archives", "tags", "topics", "links", "videos", "video", "photos", "featured", "recommended",
    "sponsored", "editors", "editor's", "picks", "headlines",
})
LABEL_HEADING_TOPICS: frozenset[str] = frozenset({
    "news", "categories", "category", "trending", "blog", "blogs", "comments", "related", "articles", "stories",
    "posts", "popular", "archive", "archives", "tags", "topics", "headlines", "sponsored",
})
LABEL_HEADING_MAX_WORDS = 5
# A short line made only of the names of a site's own service pages, two of them or more, is
# its footer menu without separators ("About Contact", "Privacy Policy Sitemap").
SITE_PAGE_WORDS: frozenset[str] = frozenset({
    "about", "us", "contact", "privacy", "policy", "terms", "of", "use", "service", "conditions", "sitemap",
    "site", "map", "advertise", "advertising", "with", "careers", "jobs", "help", "faq", "faqs", "feedback",
    "copyright", "home", "rss", "feeds", "accessibility", "cookies", "cookie", "settings", "legal", "notice",
    "disclaimer", "press", "corrections", "ethics", "imprint", "impressum", "login", "register", "search",
    "subscribe", "subscriptions", "newsletters", "&", "and", "|",
})
SITE_PAGE_NAMES: frozenset[str] = frozenset({
    "about", "contact", "privacy", "terms", "sitemap", "advertise", "careers", "jobs", "help", "faq", "faqs",
    "feedback", "copyright", "rss", "accessibility", "cookies", "legal", "disclaimer", "corrections", "imprint",
    "impressum", "login", "register", "search", "subscribe", "subscriptions", "newsletters",
})
SITE_PAGE_MAX_WORDS = 8

# Headings that introduce a block of links to other stories; the block under such a
# heading goes, wherever it sits. Compared like LABEL_ONLY_TEXTS.
TEASER_HEADINGS: frozenset[str] = frozenset({
    "related", "related articles", "related stories", "related posts", "related content",
    "related coverage", "related news", "recommended", "recommended for you", "recommended stories",
    "more stories", "more from", "more news", "you may also like", "you might also like",
    "you may like", "most read", "most popular", "most viewed", "trending", "trending now",
    "latest news", "latest stories", "more on this story", "in case you missed it", "don't miss",
    "editor's picks", "editors' picks", "top stories", "also read", "read more", "read next",
    "what to read next", "more in this section", "popular stories", "ข่าวที่เกี่ยวข้อง", "相关阅读", "相关新闻",
})

# Teaser headings that also label a toggle over the rest of the story ("Read more"):
# the block under them goes only when it is mostly links.
AMBIGUOUS_TEASER_HEADINGS: frozenset[str] = frozenset({"read more", "also read", "read next"})

# A paragraph that starts with one of these labels and is otherwise a link is a promo for
# another story ("Related: Storm surge floods old town"), even inside the article body.
PROMO_LINE_LABELS: frozenset[str] = frozenset({
    "related", "read more", "read also", "also read", "read", "more", "see also", "watch", "listen",
    "recommended", "more from", "don't miss", "explainer", "opinion", "analysis", "more on this",
    "related story", "related article", "related coverage", "click here", "อ่านข่าวที่เกี่ยวข้อง",
    "อ่านเพิ่มเติม", "相关阅读", "延伸阅读", "関連記事", "lire aussi", "à lire aussi", "lesen sie auch",
    "mehr zum thema", "leia também", "lea también", "te puede interesar",
    "you might also like", "you may also like", "check out", "must read", "can also read", "also see",
    "main article", "further information",  # encyclopedia hatnotes that point to another article
})

# Class/id tokens that protect an element even when it also carries a boilerplate token
# (e.g. `entry-content share-enabled`): they name the article body itself.
CONTENT_TOKENS: frozenset[str] = frozenset({
    "article-body", "articlebody", "article-content", "entry-content", "post-content",
    "story-body", "storybody", "story-content", "post-body", "main-content", "article-text",
})

# Tokens that mark an image caption (figcaption aside): WordPress `wp-caption-text`, the
# newspaper "cutline". Their text goes to Article.captions, not the body.
CAPTION_TOKENS: frozenset[str] = frozenset({
    "caption", "wp-caption-text", "image-caption", "photo-caption", "img-caption", "media-caption",
    "caption-text", "figure-caption", "cutline", "legend", "photo-legend", "image-legend",
})
# Tokens that mark the credit inside or beside a caption.
CREDIT_TOKENS: frozenset[str] = frozenset({
    "credit", "credits", "photo-credit", "image-credit", "caption-credit", "copyright", "photographer",
    "media-credit", "img-credit", "source-credit", "attribution",
})

# Tokens that mark a standfirst / dek / summary shown under the headline.
STANDFIRST_TOKENS: frozenset[str] = frozenset({
    "standfirst", "subtitle", "sub-title", "subheading", "sub-heading", "subhead", "dek",
    "deck", "lede", "strapline", "summary", "abstract", "excerpt", "intro", "teaser", "description",
    "article-summary", "entry-subtitle", "news-abstract",
})

# Tokens that mark a byline element.
BYLINE_TOKENS: frozenset[str] = frozenset({
    "byline", "by-line", "author", "author-name", "authors", "contributor", "writer", "reporter",
    "entry-meta-author", "post-author", "article-author",
})

# Article furniture that sits inside the article container next to the headline: the
# kicker/eyebrow above it (a section or category label: WordPress `cat-links`, links with
# rel="category"), and the date/"last modified" line under it. Removed only inside the
# chosen container and only when short, so prose is never touched.
FURNITURE_TOKENS: frozenset[str] = frozenset({
    "meta", "entry-meta", "post-meta", "article-meta", "story-meta", "dateline", "timestamp",
    "date", "published", "updated", "modified", "kicker", "eyebrow", "posted-on", "reading-time",
    "read-time", "cat-links", "post-categories", "entry-categories", "section-label",
})
# rel values of links that name the article's section or category (furniture too; not "tag":
# tag links can sit inside a sentence).
FURNITURE_RELS: frozenset[str] = frozenset({"category"})
FURNITURE_MAX_CHARS = 160

# Words that introduce a byline in several languages; stripped from the front.
BYLINE_PREFIXES: tuple[str, ...] = (
    "by", "from", "words by", "written by", "text by", "author", "authors", "por", "par", "von", "โดย",
    "作者", "文/", "記者", "记者", "撰文",
)

# A byline segment containing one of these words is a job title, not a name.
JOB_TITLE_WORDS: frozenset[str] = frozenset({
    "correspondent", "reporter", "editor", "writer", "staff", "columnist", "contributor",
    "journalist", "producer", "analyst", "bureau", "chief", "desk", "news", "senior",
    "associate", "political", "digital", "freelance", "photographer", "agency", "team",
})
# An author's note at the foot of the story names the writer's role: "Jane Roe is a reporter for …".
# Only the last lines are read (AUTHOR_BIO_LINES): in the story such a sentence is the news.
BIO_ROLES: frozenset[str] = frozenset({
    "writer", "reporter", "editor", "journalist", "correspondent", "columnist", "contributor", "director",
    "producer", "author", "blogger", "freelancer", "critic",
})
AUTHOR_BIO_LINES = 3
# Words of a page's controls, never of a person's name: a byline element's link that says one of
# them is a button ("Continue Article", "Pay Now", "Find Care", "Sign In").
INTERFACE_WORDS: frozenset[str] = frozenset({
    "continue", "article", "now", "pay", "find", "care", "advice", "view", "share", "print", "comment",
    "comments", "subscribe", "login", "sign", "menu", "search", "click", "here", "video", "gallery",
    "e-mail", "email", "donate", "newsletter",
})

# Over-pruning guard: an element holding more than this share of the page's paragraph
# text is not removed on class/id evidence alone (themes put `share` or `sidebar` in
# wrapper names such as `contentWithSidebar`). The retry after a too-short result
# applies it to every family.
MAX_PRUNE_SHARE = 0.5

# If the chosen container yields less than this share of the text that structured data
# (JSON-LD articleBody) promises, the page is re-read with less pruning.
MIN_BODY_RATIO = 0.5


# Class/id words that make an element more (or less) likely to be the article container
# when paragraphs are scored; a softer signal than the pruning families above.
CONTAINER_POSITIVE_TOKENS: frozenset[str] = frozenset({
    "article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog",
    "story", "prose", "rich-text", "richtext", "detail", "news-body",
})
CONTAINER_NEGATIVE_TOKENS: frozenset[str] = frozenset({
    "hidden", "banner", "combx", "comment", "contact", "footer", "gdpr", "masthead", "media", "meta",
    "outbrain", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor",
    "shopping", "tags", "widget", "byline", "author", "dateline", "caption-credit",
})


def _compile_tokens(tokens: frozenset[str] | tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(sorted((re.escape(t) for t in tokens), key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])")


# Reader comments, "related" lists and photo-gallery captions can hold more text than the article,
# so the text-share guard does not protect them; every other family is guarded.
UNGUARDED_FAMILIES = ("comments", "related", "galleries")
# Widgets that never hold sentences: a block so named that holds a paragraph of prose is the
# story's own (a music chart's album reviews in `chart-item`, a buying guide's `product-chart`).
PROSE_FREE_FAMILIES = ("graphics",)
UNGUARDED_RE = _compile_tokens(tuple(t for f in UNGUARDED_FAMILIES for t in BOILERPLATE_TOKENS[f]))
GUARDED_RE = _compile_tokens(tuple(t for name, family in BOILERPLATE_TOKENS.items()
                                   if name not in UNGUARDED_FAMILIES + PROSE_FREE_FAMILIES for t in family))
PROSE_FREE_RE = _compile_tokens(tuple(t for f in PROSE_FREE_FAMILIES for t in BOILERPLATE_TOKENS[f]))
# The shortest <p> counted as prose by that guard: longer than any axis label or chart note.
PROSE_PARAGRAPH_CHARS = 200
CONTENT_RE = _compile_tokens(CONTENT_TOKENS)
STANDFIRST_RE = _compile_tokens(STANDFIRST_TOKENS)
CAPTION_RE = _compile_tokens(CAPTION_TOKENS)
CREDIT_RE = _compile_tokens(CREDIT_TOKENS)
BYLINE_RE = _compile_tokens(BYLINE_TOKENS)
FURNITURE_RE = _compile_tokens(FURNITURE_TOKENS | BYLINE_TOKENS)
CONTAINER_POSITIVE_RE = _compile_tokens(CONTAINER_POSITIVE_TOKENS)
CONTAINER_NEGATIVE_RE = _compile_tokens(CONTAINER_NEGATIVE_TOKENS)


# ---------------------------------------------------------------- line-level furniture
# Lines of the chosen container that read as page furniture by their words alone, whatever
# markup they sit in (old table layouts and custom CMSs carry no telling class names).
# Each pattern is matched case-insensitively against the whole normalised line.

# Photo and image credits, alone on a line or at the end of a caption: "Photo: NAME, AGENCY",
# "(Getty Images)", "Credit: …", "Foto: …", "© NAME". Credits are not article text and churn
# (agencies re-license, CDNs rename).
CREDIT_LABELS: tuple[str, ...] = (
    "photo", "photos", "photograph", "photography", "picture", "pictures", "image", "images", "credit",
    "credits", "photo credit", "image credit", "source", "foto", "fotos", "bild", "crédit", "crédito",
    "crédits", "illustration", "video", "graphic", "file photo", "photo illustration",
)
PHOTO_AGENCIES: tuple[str, ...] = (
    "getty images", "getty", "afp", "ap", "ap photo", "reuters", "epa", "shutterstock", "istock",
    "istockphoto", "alamy", "associated press", "dpa", "anadolu", "xinhua", "pa", "pa wire", "pa images",
    "bloomberg", "efe", "ansa", "imago", "sipa", "wenn", "courtesy", "handout", "file",
)
# Lines that are a label and nothing else (compared like LABEL_ONLY_TEXTS): widget captions,
# gallery controls, tool bars and section labels that old layouts put inside the story table.
LABEL_ONLY_LINES: frozenset[str] = frozenset({
    # gallery / lightbox controls
    "caption", "close", "expand", "enlarge", "click to enlarge", "click here to enlarge", "view gallery",
    "next", "previous", "prev", "next image", "previous image", "open gallery", "full screen", "fullscreen",
    "show caption", "hide caption", "toggle caption", "play", "pause", "replay", "watch", "watch video",
    "next page", "previous page", "synopsis", "image alt", "image size", "image position",
    "table of contents", "contents", "in this article", "jump to", "rating", "ratings", "our rating",
    # tools
    "comments", "comment", "print", "print this", "print this article", "print this story", "printable version",
    "printer friendly version", "printer-friendly version", "e-mail", "email this", "email this article",
    "email this story", "e-mail this to a friend", "email to a friend", "font size", "text size",
    "increase font size", "decrease font size", "large font", "normal font", "small font", "send this article",
    "save", "save article", "bookmark", "listen", "listen to this article", "copy link", "link copied",
    "gift this article", "report a typo", "report an error", "back to top", "top", "more", "show more",
    # section labels and promos
    "breaking news", "breaking", "exclusive", "live", "live updates", "developing story", "opinion", "analysis",
    "see also", "related content", "related links", "related internet links", "related bbc links", "more videos",
    "more video", "topics", "tags", "trending", "trending stories", "trending now", "most popular", "most shared",
    "most viewed", "most read", "more stories", "more news", "top stories", "latest news", "featured",
    "featured post", "featured stories", "sponsored", "promoted", "partner content", "recommended",
    "recommended for you", "don't miss", "dont miss", "see more", "read more", "more from", "up next",
    "have your say", "post your comment", "post a comment", "leave a comment", "add a comment",
    "tell us what you think", "write your own comment", "adjust text size", "change text size",
    "report this comment", "newsletter", "newsletter sign up", "newsletter signup", "sign up", "subscribe",
    "subscribe now", "sign up now", "thanks for signing up", "thank you for signing up",
    "continue reading", "continue reading the main story", "story continues below", "story highlights",
    "advertisement", "ad", "advertising", "story continues below advertisement",
    "anzeige", "werbung", "publicité", "publicidad", "pubblicità", "reklama", "lesen sie auch",
    "lire aussi", "à lire aussi", "leia também", "lea también", "te puede interesar", "mehr zum thema",
    # one of the footer's links alone on its line
    "privacy policy", "privacy notice", "cookie policy", "terms of service", "terms of use", "terms and conditions",
    "terms & conditions", "posted in", "filed under",
})
# The heading of a list of other stories ("Related Industry News", "More from Sport", "Stories
# you might be interested in"): furniture, and so are the link lines right under it.
RELATED_HEADING_PATTERNS: tuple[str, ...] = (
    r"(?:more|other|latest|related|top|popular)(?: [^\s.!?]+){0,3} (?:news|stories|articles|posts|headlines|reads)"
    r"(?: (?:in|from|on|about)(?: [^\s.!?]+){1,3})?",
    r"more (?:from|in)(?: [^\s.!?]+){1,3}",
    r"most (?:popular|read|viewed|shared|e-?mailed|commented)(?: [^\s.!?]+){0,4}",
    r"(?:stories|articles|posts) you (?:may|might) (?:be interested in|like|have missed|also like)",
)
# The call of a share or bookmark tool, before the service or the list of them: "Post this story to",
# "Add to", "Share on".
SHARE_CALL = r"(?:post|add|submit|share|send|save|bookmark)(?: this)?(?: (?:story|article|page|post))? (?:to|on|with)"
# Whole-line patterns of furniture (case-insensitive, anchored at both ends by the caller).
FURNITURE_LINE_PATTERNS: tuple[str, ...] = (
    # copyright and syndication notices: "© 2008 AP", "Copyright 2012 The Associated Press. All rights reserved…"
    r"(?:©|\(c\) ?(?:\d{4}|\w)|copyright (?:©|\(c\))? ?\d{4}|all rights reserved).{0,300}",
    r".{0,120}\ball rights reserved\b.{0,200}",
    r".{0,80}\b\d{4}(?:\s*[-–]\s*\d{4})?\.?\s+copyright\b.{0,120}",  # "Marketing Corp. 1997-2008 Copyright."
    # ... and the footer's links after the year: "Marketing Corp. 1997-2008 Privacy Policy. Sitemap"
    r".{0,80}\b\d{4}(?:\s*[-–]\s*\d{4})?\.?\s+(?:privacy policy|terms of (?:use|service)|sitemap)(?:\s*[.|•·,]\s*.{0,60})?",
    r".{0,80}\bthis material may not be published, broadcast, rewritten or redistributed\b.{0,40}",
    r"brought to you by \w.{0,40}",
    r"a version of this article appeared .{0,250}",
    r"this (?:article|story) (?:was )?(?:originally |first )?published on page \d+ .{0,200}",
    # the link under an author card: "See all of Jane Roe's reviews"
    r"(?:see|view|read) (?:all|more) (?:of |from |by )?[^.!?]{1,40}?(?:'s|’s)? "
    r"(?:reviews|articles|posts|stories)",
    # newsletters, sign-ups and their fine print, in the article or beside it
    r"(?:sign up|signup|subscribe|register)\b.{0,80}\b(?:newsletters?|e-?mails?|alerts?|updates|inbox)\b.{0,80}",
    r"get (?:our|the)\b.{0,60}\b(?:newsletters?|delivered|in your inbox)\b.{0,60}",
    r"by (?:subscribing|signing up|clicking|registering|entering your e-?mail)\b.{0,300}",
    r"(?:thanks|thank you) for (?:signing up|subscribing)\b.{0,60}",
    r"subscribe to\s*:.{0,80}",
    r"(?:invalid|enter (?:a valid|your)) e-?mail(?: address)?\b.{0,40}",
    # follow / contact lines: "Follow us on Twitter", "Follow @NAME", "Email NAME at … or follow him @…"
    r"follow (?:us|@\w+|\w+(?: \w+){0,5} on (?:twitter|x|facebook|instagram|threads|bluesky|linkedin|tiktok))\b.{0,100}",
    r"(?:e-?mail|contact|reach) \w+(?: \w+){0,3} at .{0,80}?\S+@\S+.{0,120}",
    # the appeal for donations at the foot of a nonprofit's story, and its buttons
    r".{0,120}\b(?:(?:a|one) small favou?r to ask|please consider (?:donating|pitching in|supporting|giving|a gift)|"
    r"make a (?:tax-deductible |one-time |monthly )?(?:donation|gift) (?:today|now)|double my (?:donation|gift))\b.{0,300}",
    # affiliate and advice disclosures: "Editorial Note: SITE may contain affiliate links …",
    # "We may earn a commission …", "Disclaimer: This article is intended for informational purposes only …"
    r".{0,200}\b(?:(?:may )?contains? affiliate links|(?:we|i) (?:may )?(?:earn|receive|get) (?:a )?(?:small )?"
    r"(?:commission|affiliate commission|percentage)|as an amazon associate|at no (?:extra|additional) cost to you)\b.{0,250}",
    r"disclaimer\s*:.{0,40}\b(?:informational|educational|general information)\b.{0,250}",
    # text-message deal sign-ups: "Get editor selected deals texted right to your phone!"
    r"get\b.{0,50}\btexted\b.{0,40}",
    r"be the first to (?:know|comment|express your opinion|review|reply|share your thoughts)\b.{0,60}",
    # a byline left in the body, and a desk's: "By Jane Roe and Sam Okafor", "Global Desk"
    r"(?-i:[Bb][Yy]:?(?: (?:[A-Z][\w'’.-]*|and|&)){1,8})",
    r"(?:[^\W\d][\w&'’.-]* ){1,3}(?:desk|staff)",  # not a numbered item ("6. The Trade Desk")
    # a blog's call to save the post: "LIKE IT? PIN IT!"
    r"(?:like it|enjoy(?:ed)? the post|love this)\?? pin it(?: for later)?!?",
    # the author card's heading and the comment box's call: "Who curated this article?", "COMMENT NOW"
    r"who (?:curated|wrote|edited|reviewed) this (?:article|story|guide|list)\??",
    r".{0,60}\b(?:comment now|leave a comment|share your (?:opinion|thoughts) in the comments?(?: section)?)\b.{0,60}",
    r"(?:get )?connected? (?:with (?:us|me) )?on\s*:.{0,100}",
    # syndication footers: "This story about X was written by NAME and produced by …", "Republish our articles …"
    r"this (?:story|article)(?: about .{1,100}?)? was (?:written|reported|produced) by [^.]{1,120}?"
    r"\b(?:and (?:produced|published|edited|co-published) by|for|in partnership with|with support from)\b.{1,300}",
    r"republish (?:our|this) (?:articles?|stor(?:y|ies))\b.{0,200}",
    r"creative commons (?:attribution|cc|by)\b[\w\s.,/-]{0,80}\blicen[sc]e",  # the licence's name alone
    r"(?:e-?mail|contact|reach) \w+(?: \w+){0,3} at .{0,60}\bor follow\b.{0,80}",
    r"join (?:us|our|the conversation|the discussion)\b.{0,60}\b(?:forums?|facebook|twitter|discord|community|let us know)\b.{0,80}",
    r"(?:and |also |please )?(?:like|follow|join|find) us on\b.{0,80}",
    # the comment box's sign-in call: "Login to have your say", "Something to say? Choose one of these options to log in."
    r".{0,60}\b(?:(?:log|sign) ?in|register) (?:to|and) (?:comment|reply|post|have your say|join the discussion)\b.{0,80}",
    r"something to say\?.{0,100}",
    # calls to the comment box and the forum: "Discuss this story on the NAME message board...",
    # "Write a post » to post comments on this article"
    r"discuss this (?:story|article|post|topic)\b.{0,100}",
    r".{0,60}\bto (?:post|leave|add|write) (?:a |your )?comments? (?:on|to|about) this (?:article|story|post)\b.{0,20}",
    # a template's placeholders left unrendered: "%s1 / %s2", "{{ count }}"
    r"(?:%s\d?|%d|\{\{[^{}]{0,40}\}\}|\$\{[^{}]{0,40}\})(?:\W{0,5}(?:%s\d?|%d|\{\{[^{}]{0,40}\}\}|\$\{[^{}]{0,40}\}))*",
    r"follow (?:\w+(?: \w+){0,4}) on\b.{0,80}",
    # the masthead and the switchboard in the footer: "Editor-in-Chief: NAME. Editor: NAME",
    # "Ph: 0091-832-2224202, 2224460 Fax: 2225622."
    r"(?:(?:editor-in-chief|editor in chief|chief editor|managing editor|executive editor|editor|publisher)"
    r"\s*:\s*[^.!?:]{1,60}[.,;]?\s*){1,4}",
    r"(?:(?:ph|phone|tel|telephone|fax|mobile)\.?\s*:?\s*\+?\(?\d[\d\s()./,-]{5,40}\.?\s*){1,3}",
    # the desk's addresses: "General comments: desk@example.com. Comments about this site: web@example.com.",
    # "E-mail comments to NAME", "E-mail: NAME"
    r"(?:[^\W\d][\w ]{0,30}:\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\.?\s*){1,4}(?:[^\W\d][\w ]{0,30}:\s*\w+(?: \w+)?\.?)?",
    r"(?:e-?mail|send) (?:us )?(?:your )?(?:comments|questions|tips|feedback|letters|news tips)\b.{0,10}\bto\b.{1,60}",
    r"e-?mail(?: us)?\s*:\s*\S+(?: \S+){0,2}",
    # an e-mail address alone on its line, the desk's or the writer's
    r"(?:e-?mail(?: us)?\s*:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    # a social handle alone on its line: the writer's, under the story
    r"@\w{2,30}",
    # a web address alone on its line: an embed's fallback link, a "website" line of a listing
    r"(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co|io|tv|us|uk|de|fr|info|biz)(?:/\S*)?",
    # page and player controls read as text: "Skip to next paragraph", "Show transcript"
    r"skip (?:to|over) (?:the )?(?:next paragraph|main content|content|navigation|comments|article|story|"
    r"advert\w*|ad)\b.{0,20}",
    r"(?:show|hide|view|read|see) (?:the )?(?:full )?transcript",
    # membership calls to action: "Become a Runner's World+ Member"
    r"(?:become|join as) an? [^.!?]{1,40}\b(?:member|subscriber|insider|supporter)\b.{0,40}",
    # text-message and subscription offers: "For the latest news on mobile sms BIZ to 54567",
    # "Subscribe now to save 32%"
    r".{0,80}\b(?:sms|text) [a-z0-9]{2,12} to \d{3,6}\b.{0,40}",
    r".{0,60}\bsubscribe (?:now|today)\b.{0,60}",
    # a weather widget's readings: "Humidity : 76 %"
    r"(?:humidity|wind|pressure|visibility|dew point|feels like|uv index)\s*:?\s*\d[^.!?]{0,20}",
    # app promos and "click here" calls to action
    r"click here\b.{0,100}",
    r".{0,20}\b(?:download|get) (?:the|our) .{0,40}\bapp\b.{0,60}",
    # standards footers and topic lists
    r"our standards: .{0,200}",
    r"(?:topics|tags|filed under|listed under|categories|posted in|posted under)\s*:.{0,200}",
    # reviewer and fact-check stamps under health and science stories
    r"(?:medically |fact[- ]checked and )?reviewed by .{1,80}",
    # comment-thread meta
    r"posted by:? .{1,60} (?:on|at) .{0,40}\d.{0,30}",
    r"\d+ comments?",
    r"(?:slide|image|photo|picture) \d+ (?:of|/) \d+",
    r"\d+ (?:of|/) \d+",
    r"\d{1,3}",  # a slide counter or a share count alone on its line
    r"\d{4}-\d{2}-\d{2}(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?",  # a machine date stamp
    # a clip's running time, with its label or without, or a bare clock time
    r"(?:(?:running time|run time|runtime|duration)\s*:?\s*)?\d{1,2}:\d{2}(?::\d{2})?",
    # page links of a story split over pages: "CONTINUED 1 | 2 Next", "« Prev 1 2 3 Next »", "Pages: 1, 2"
    r"(?:continued|pages?)\s*:?\s*\d{1,3}(?:\s*[|·•,]?\s*\d{1,3})*(?:\s*[|·•]?\s*(?:next|last)\b.{0,3})?",
    r"(?:(?:prev(?:ious)?|first)\s*[|·•]?\s*)?\d{1,3}(?:\s*[|·•]?\s*\d{1,3})*\s*[|·•]?\s*(?:next|last)\b.{0,3}",
    # share and bookmark bars, whatever services they list: "Submit to: Digg Reddit",
    # "Post this story to: …", "Email article: …"
    SHARE_CALL + r"\s*:.{0,200}",
    r"e-?mail (?:this )?(?:article|story)\s*:.{0,100}",
    r"(?:delivery|feed|rss) formats?\s*:.{0,100}",
    # breadcrumbs and story-to-story links: "You are here: Site > News", "Home > Sports > Story",
    # "Previous story: …"
    r"you are here\s*:.{0,200}",
    r"home\s*(?:>>?|»|›)[^.!?]{0,200}",
    r"(?:[^›».!?>]{1,30}?\s*(?:>>|[›»])\s*){2,}[^.!?]{0,150}",  # "Business News›US›Lifestyle›Headline", "World>>Asia"
    # a page's view counter with the fields beside it: "View Rate : 106 # News Code : … Print Date : …"
    r"(?:views?|view rate|view count|hits|reads|page ?views)\s*:\s*\d[\d,.]*\b.{0,150}",
    # a product card's spec row: "Brushing Modes: 4 | # of Brush Heads: 2", "Weight: 1.2 kg | Battery: 14 days"
    r"[^|:]{1,40}:\s*[^|:\s]+(?:\s[^|:\s]+){0,2}(?:\s*\|\s*[^|:]{1,40}:\s*[^|:\s]+(?:\s[^|:\s]+){0,2})+",
    # a shop card's price-tracker badge: "Lowest Price in 30 days"
    r"lowest price in (?:the )?(?:last |past )?\d+ days\b.{0,60}",
    *RELATED_HEADING_PATTERNS, r"shared on (?:facebook|twitter|x)",
    # an empty comment box: "No user comments yet. Be the first to express your opinion!"
    r"(?:no|there are no) (?:user |reader )?comments(?: yet)?\b.{0,100}",
    # the site's notices to its readers: "This page is best viewed in an up-to-date web browser …",
    # "By providing information about events on this site, NAME shall not be deemed to endorse …"
    r".{0,60}\bbest viewed (?:in|with|using) (?:an? )?(?:[\w-]+ ){0,2}(?:web )?browser\b.{0,300}",
    r"by providing (?:information|content|links)\b.{0,120}\bon this (?:site|website|page)\b.{0,250}",
    # an audio player's control: "Listen to this article in summarized format"
    r"listen to (?:this|the) (?:article|story)\b.{0,60}",
    r"(?:previous|prev|next) (?:story|article|post|page)\s*:.{0,150}",
    # comment tools under each reader comment: "Quote | Report this post"
    r"(?:quote|reply|report(?: this)? (?:post|comment|abuse))(?:\s*[|•·]\s*(?:quote|reply|report(?: this)? "
    r"(?:post|comment|abuse)))+",
    # print/e-mail/text-size tool bars: "[-] Text [+]"
    r"\[?[-–+]\]?\s*(?:text|font|a)(?: size)?\s*\[?[-–+]\]?",
    r"(?:story tools|text size|font size|share this|share this article|share on)\s*:.{0,200}",
    r"(?:e-?mail|print)(?: this)?(?: article| story)?\s*(?:[|•·]\s*(?:e-?mail|print|share|comments?|save|"
    r"printer[- ]friendly|print version|text size|discuss(?: story)?|rss)\b.{0,40})+",
)
# A countdown ticks every day between two fetches of the same story:
# "Countdown to polling day: 12 days", "12 days to go".
COUNTDOWN_LINE_PATTERNS: tuple[str, ...] = (
    r"countdown\b[^.!?]{0,80}\d[^.!?]{0,30}",
    r"[^.!?]{0,60}\b\d+ (?:days?|hours?|weeks?) (?:to go|left|remaining)\b[^.!?]{0,60}",
    r"next (?:video|story|clip) (?:starts|plays|playing) in\b.{0,40}",  # an autoplay countdown
)
# Texts of links that act as buttons: furniture when the whole line is the link, story text
# when the same words sit in a sentence (compared like LABEL_ONLY_TEXTS).
LINK_BUTTON_TEXTS: frozenset[str] = frozenset({
    # media and gallery links beside the story
    "photo", "photos", "video", "videos", "gallery", "photo gallery", "enlarge this image",
    "view larger image", "larger image", "view image", "view photo", "view photos",
    # site and reader tools
    "advertise", "options", "permalink", "quote", "reply", "add comment", "add your comment", "comments powered by", "details", "share",
    "sign in", "log in", "login", "register",
    # calls to action of shopping and booking widgets
    "learn more", "find out more", "book now", "buy now", "shop now", "order now", "get it now", "get deal",
    "view deal", "see deal", "see deals", "see all deals", "see all discounts", "check price",
    "check price here", "check current price", "check latest price", "see price", "see more reviews",
    "read the full review",
    # a listing's links: "Google Maps", "Website"
    "google maps", "map", "view map", "directions", "get directions", "website", "visit website", "official website",
})
# Call-to-action link lines by shape (whole line, at most LINK_BUTTON_WORDS words): "Shop the sale",
# "Try it free", "$40 at a store", "More from this column" (a column's other stories).
LINK_BUTTON_PATTERNS: tuple[str, ...] = (
    r"(?:shop|try|buy|book|order)\s+\S.*",
    r"[$£€¥₹]\s?\d[\d,.]*\s+(?:at|on|from)\s+\S.*",
    r"(?:check|see|view|compare)\s+(?:the\s+)?(?:current\s+|latest\s+|best\s+)?"
    r"(?:price|prices|deal|deals)\b.*",
    r"more\s+\S.*",
    # "Post to Digg", "Share on Reddit"
    SHARE_CALL + r" \S.*",
)
# Social bookmarking and sharing services: a link line made only of their names ("Digg it",
# "del.icio.us", "Digg it | Reddit") is a share bar.
SHARE_SERVICES: frozenset[str] = frozenset({
    "digg", "del.icio.us", "delicious", "reddit", "newsvine", "stumbleupon", "slashdot", "technorati", "furl",
    "fark", "nowpublic", "propeller", "mixx", "aim", "myspace", "facebook", "twitter", "linkedin", "whatsapp",
    "pinterest", "tumblr", "flipboard", "e-mail", "email", "print", "sphere", "yahoo!", "buzz",
})
# Where a share button's link leads: a service's endpoint that posts the page's address.
SHARE_LINK_PATTERNS: tuple[str, ...] = (
    r"\bdigg\.com/submit", r"\bdel\.icio\.us/post", r"\bdelicious\.com/(?:post|save)", r"\breddit\.com/submit",
    r"\bfacebook\.com/shar", r"\btwitter\.com/(?:intent/tweet|share|home\?status)", r"\bx\.com/intent/",
    r"\blinkedin\.com/(?:shareArticle|sharing)", r"\bpinterest\.com/pin/create", r"\bstumbleupon\.com/submit",
    r"\bnewsvine\.com/_tools/seed", r"\baddtoany\.com/(?:share|add_to)", r"\baddthis\.com/bookmark",
    r"\bwhatsapp://send", r"\bapi\.whatsapp\.com/send", r"\bwa\.me/\?text", r"\bt\.me/share",
    r"\btumblr\.com/(?:share|widgets/share)", r"\bmix\.com/add", r"\bflipboard\.com/bookmarklet",
    r"^mailto:\?(?:subject|body)=",
)
# Where an advertisement's links lead: an ad server's click counter. A line whose links all go
# there is an ad (a text ad's headline and blurb), whatever it says.
AD_LINK_PATTERNS: tuple[str, ...] = (
    r"[/.]adclick\b", r"\bdoubleclick\.net/", r"[/.]adserver\b", r"/(?:ads?|adv)/click", r"googleadservices\.com/",
    r"/pagead/", r"[/.]clickserve\b", r"/aclk\?",
)
# Video hosts whose embeds leave a fallback line of links to themselves ("TITLE from CHANNEL on Vimeo").
VIDEO_HOSTS: frozenset[str] = frozenset({"vimeo.com", "youtube.com", "youtu.be", "dailymotion.com"})
SHARE_FILLER: frozenset[str] = frozenset({"it", "this", "story", "article", "on", "to", "|", "·", "•"})
LINK_BUTTON_WORDS = 4
# Link lines in a row, at least half of them buttons and this many: a tool bar, all of it.
TOOL_BAR_BUTTONS = 2
# A line made of this many or more short items separated by "|" or "•" is a menu.
MENU_ITEMS_MIN = 3
MENU_ITEM_MAX_WORDS = 4
# Link lines in a row that all lead to the site's own pages: a menu or a story list.
MENU_RUN_MIN = 3
# ... or headlines with this share of their characters linked (the rest a date or a section).
SITE_STORY_SHARE = 0.5
# Story cards: between the link lines of such a run, up to this many short lines (a teaser,
# a date, a section name) that link nowhere else. The run goes with them.
CARD_GAP_LINES = 2
CARD_GAP_CHARS = 120
# ... or a longer teaser when it ends cut off with an ellipsis (an excerpt of the other story).
CARD_TEASER_CHARS = 400
# A line of this many links (to different places) and nothing else: a tag list or an inline menu.
LINK_ROW_MIN = 4
# ... or of this many links with nothing but separators between them ("Hockey, GTA, NHL"): a tag list.
TAG_ROW_MIN = 3
# Words that make up a line that is nothing but a date, a time or "Updated …" stamp.
DATE_LINE_WORDS: frozenset[str] = frozenset({
    "posted", "published", "updated", "last", "first", "modified", "on", "at", "date", "time", "am", "pm",
    "a", "m", "p", "gmt", "utc", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "bst", "cet", "cest",
    "ist", "aest", "aedt", "et", "pt", "ct", "mt", "hkt", "sgt", "jst", "kst", "ago", "minute", "minutes", "hour",
    "hours", "day", "days", "week", "weeks", "just", "now", "yesterday", "today", "st", "nd", "rd", "th", "of",
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "and", "read", "min", "mins", "reading",
    "veröffentlicht", "aktualisiert", "am", "um", "uhr", "publié", "le", "mis", "à", "jour", "publicado",
    "actualizado", "el", "de", "las", "hs", "h", "update", "page", "reads", "views", "votes", "comments",
    "shares", "likes", "replies",
})
# Lines wholly inside links (menus, related headlines, tool bars) go; a caption or sentence
# with an inline link keeps its unlinked words.
LINKED_LINE_SHARE = 0.9
# Lines of a related-headline run may carry an unlinked date or count after the link.
RUN_LINKED_SHARE = 0.7

# ---------------------------------------------------------------- stamps and counters
# What changes between two fetches of the same story without anyone editing it: the time
# stamps around it ("Posted by: NAME on 5:19pm Tue 1 Jan 08", "Thomson Financial News | Wed,
# Jan 16 2008, 07:50 GMT") and the counters ("1,902 views", "Comments (19)", "Trackback(0)").
# A line holding one of them and no more than this many other words is such a stamp; a
# sentence (ending in . ! ?) stays unless it names the stamp ("This post was last updated …").
STAMP_OTHER_WORDS = 6
STAMP_MAX_CHARS = 120
# The words that make a sentence a stamp even with its full stop.
STAMP_VERBS: frozenset[str] = frozenset({
    "posted", "published", "updated", "created", "modified", "contributed", "filed", "written", "edited",
    "visited", "viewed", "read", "veröffentlicht", "aktualisiert", "publié", "publicado", "actualizado",
})
# What a counter counts, next to its number: "1,902 views", "Comments (19)", "5 minutes ago".
COUNTER_NOUNS: frozenset[str] = frozenset({
    "view", "views", "visit", "visits", "visitor", "visitors", "comment", "comments", "reply", "replies",
    "share", "shares", "like", "likes", "reads", "vote", "votes", "follower", "followers", "reaction",
    "reactions", "viewers", "trackback", "trackbacks", "pingback", "pingbacks", "ago", "kommentare",
    "commentaires", "comentarios", "visualizações", "aufrufe", "vues",
})
