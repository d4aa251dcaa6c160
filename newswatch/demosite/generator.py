"""Generate the demo news site, keep its state in site.json, and re-render it."""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from . import feeds, prose
from .render import PageContext, render_article, render_listing, render_simple_page, slug_of

STATE_FILE = "site.json"
FEED_PATHS = ("/feed.xml", "/atom.xml")
SITEMAP_PATH = "/sitemap.xml"


@dataclass(frozen=True)
class ArticleInfo:
    """One article as generated (or last edited)."""

    path: str  # URL path, e.g. /news/politics/2026/11/some-slug.html
    title: str
    author: str
    published: str  # ISO 8601 with offset
    standfirst: str
    paragraphs: tuple[str, ...]  # body blocks in order (paragraphs, subheads, quotes, list items)
    section: str
    url: str = ""  # absolute when the site was generated with an origin in base_path
    modified: str = ""
    block_kinds: tuple[str, ...] = ()  # "p", "h3", "blockquote" or "li" per entry of paragraphs
    tags: tuple[str, ...] = ()
    edits: int = 0


@dataclass(frozen=True)
class SiteInfo:
    """Where the site is and what is on it."""

    root: Path
    articles: tuple[ArticleInfo, ...]
    feed_paths: tuple[str, ...] = FEED_PATHS
    sitemap_path: str = SITEMAP_PATH
    section_paths: tuple[str, ...] = ()
    now: datetime | None = None
    base_path: str = ""
    page_paths: tuple[str, ...] = ()  # home, about, contact, tag and author pages
    news_sitemap_paths: tuple[str, ...] = ()  # articles listed in sitemap-news.xml


def split_base(base_path: str) -> tuple[str, str]:
    """'http://h:1/demo' -> ('http://h:1', '/demo'); '/demo' -> ('', '/demo')."""
    parts = urlsplit(base_path.rstrip("/"))
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    return origin, parts.path.rstrip("/")


def mix(value: int, seed: int) -> int:
    """A new chrome seed derived from an old one."""
    return random.Random(value * 1_000_003 + seed * 7919 + 1).getrandbits(48)


def generate_site(root: Path, n_articles: int = 24, *, seed: int = 0, base_path: str = "",
                  now: datetime | None = None) -> SiteInfo:
    """Write a complete static news site with `n_articles` articles into `root`."""
    root = Path(root)
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    origin, prefix = split_base(base_path)
    articles = new_articles(n_articles, seed, now, prefix)
    state = {"version": 1, "seed": seed, "now": now.isoformat(), "base_path": base_path,
             "origin": origin, "prefix": prefix, "site_chrome": mix(seed, 0), "articles": articles}
    remove_old_articles(root, {a["file"] for a in articles})
    write_site(root, state)
    return site_info(root, state)


def remove_old_articles(root: Path, keep: set[str]) -> None:
    """When regenerating over an earlier site, delete its article files that the new one lacks."""
    if (root / STATE_FILE).exists():
        for article in load_state(root)["articles"]:
            if article["file"] not in keep:
                (root / article["file"]).unlink(missing_ok=True)


def new_articles(count: int, seed: int, now: datetime, prefix: str) -> list[dict]:
    """Article states, oldest first, with ids 1..count."""
    titles: set[str] = set()
    slugs: set[str] = set()
    recent = max(2, count // 12) if count >= 4 else 1
    drafts = [new_article(random.Random(seed * 1_000_003 + i), now, i < recent, titles) for i in range(count)]
    drafts.sort(key=lambda a: a["published"])
    for number, article in enumerate(drafts, start=1):
        article["id"] = number
        article["slug"] = unique(slug_of(article["title"]), slugs)
        when = datetime.fromisoformat(article["published"])
        article["path"] = f"{prefix}/news/{article['section']}/{when:%Y}/{when:%m}/{article['slug']}.html"
        article["file"] = article["path"].lstrip("/")
    return drafts


def unique(slug: str, taken: set[str]) -> str:
    """Make a slug unique by appending -2, -3, ..."""
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate


def new_article(rng: random.Random, now: datetime, recent: bool, titles: set[str]) -> dict:
    """One article's state: text from seeded templates, dates relative to `now`."""
    section = rng.choice(prose.SECTIONS)
    about = prose.story(rng, section)
    title = prose.headline(rng, section, about)
    while title in titles:
        title = prose.headline(rng, section, prose.story(rng, section))
    titles.add(title)
    blocks = prose.body_blocks(rng, section, about)
    typo = prose.add_typo(blocks, rng)
    minutes = rng.randint(5, 170) if recent else rng.randint(180, 10 * 1440)
    published = now - timedelta(minutes=minutes, seconds=rng.randint(0, 59))
    modified = min(now, published + timedelta(minutes=rng.randint(4, 150))) if rng.random() < 0.4 else published
    author = rng.choice(prose.AUTHORS)
    return {"title": title, "author": author, "bio": prose.bio(author, section, rng),
            "published": published.isoformat(), "modified": modified.isoformat(), "section": section,
            "standfirst": prose.standfirst(rng, section, about), "standfirst_tag": rng.choice(("h2", "p")),
            "paragraphs": [text for _, text in blocks], "kinds": [kind for kind, _ in blocks],
            "tags": sorted({slug_of(about["topic"]), slug_of(about["place"]), section}),
            "typo": typo, "edits": 0, "chrome": rng.getrandbits(48)}


def context(state: dict) -> PageContext:
    """The page context for rendering any page of this site."""
    return PageContext(now=datetime.fromisoformat(state["now"]), origin=state["origin"],
                       articles=state["articles"], sections=prose.SECTIONS, prefix=state["prefix"])


def write_site(root: Path, state: dict, articles: list[dict] | None = None) -> None:
    """Render and write pages (all articles, or just `articles`), listings, feeds and state."""
    ctx = context(state)
    made: set[Path] = set()
    for article in state["articles"] if articles is None else articles:
        write_file(root / article["file"], render_article(article, article["chrome"], ctx), made)
    for path, text in other_pages(state, ctx):
        write_file(root / path.lstrip("/"), text, made)
    save_state(root, state)


def other_pages(state: dict, ctx: PageContext):
    """(URL path, text) for every page that is not an article."""
    chrome, prefix, articles = state["site_chrome"], state["prefix"], state["articles"]
    yield f"{prefix}/index.html", render_listing("Demo Daily \u2013 Independent news, every day", ctx.newest[:40], chrome, ctx)
    for section in prose.SECTIONS:
        items = [i for i in ctx.newest if articles[i]["section"] == section]
        yield f"{prefix}/section/{section}.html", render_listing(section.title(), items, mix(chrome, hash_of(section)), ctx)
    for tag in sorted({t for a in articles for t in a["tags"]}):
        items = [i for i in ctx.newest if tag in articles[i]["tags"]][:50]
        yield f"{prefix}/tag/{tag}.html", render_listing(f"Tag: {tag.replace('-', ' ').title()}", items, mix(chrome, hash_of(tag)), ctx)
    for author in prose.AUTHORS:
        items = [i for i in ctx.newest if articles[i]["author"] == author][:50]
        yield f"{prefix}/author/{slug_of(author)}.html", render_listing(f"Author: {author}", items, mix(chrome, hash_of(author)), ctx)
    yield f"{prefix}/about.html", render_simple_page("About us", ABOUT, mix(chrome, 1), ctx)
    yield f"{prefix}/contact.html", render_simple_page("Contact", CONTACT, mix(chrome, 2), ctx)
    yield from feed_files(ctx)


def feed_files(ctx: PageContext):
    """(URL path, text) for feeds, sitemaps and robots.txt."""
    prefix = ctx.prefix
    yield f"{prefix}/feed.xml", feeds.rss(ctx)
    yield f"{prefix}/atom.xml", feeds.atom(ctx)
    yield f"{prefix}/sitemap.xml", feeds.sitemap_index(ctx)
    yield f"{prefix}/sitemap-news.xml", feeds.news_sitemap(ctx)
    yield f"{prefix}/sitemap-pages.xml", feeds.pages_sitemap(ctx)
    yield "/robots.txt", feeds.robots(ctx)


ABOUT = ["Demo Daily is an independent news site covering politics, business, science, world news, "
         "technology and health.", "Our reporters are based in newsrooms across the country."]
CONTACT = ["Send tips and corrections to newsroom@demo-daily.example.",
           "For advertising enquiries, email ads@demo-daily.example."]


def hash_of(text: str) -> int:
    """A stable small integer for a string (unlike hash(), the same in every process)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(text))


def write_file(path: Path, text: str, made: set[Path] | None = None) -> bool:
    """Write `path` if its content changed: atomically, and with an mtime that moves forward."""
    data = text.encode("utf-8")
    try:
        before = os.stat(path)
    except FileNotFoundError:
        before = None
    if before is None:
        if made is None or path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            if made is not None:
                made.add(path.parent)
        path.write_bytes(data)
        return True
    if before.st_size == len(data) and path.read_bytes() == data:
        return False
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    if int(os.stat(temporary).st_mtime) <= int(before.st_mtime):
        later = int(before.st_mtime) + 1  # so If-Modified-Since sees every change
        os.utime(temporary, (later, later))
    os.replace(temporary, path)
    return True


def save_state(root: Path, state: dict) -> None:
    """Write site.json atomically."""
    write_file(root / STATE_FILE, json.dumps(state, ensure_ascii=False, separators=(",", ":")))


def load_state(root: Path) -> dict:
    """Read site.json."""
    return json.loads((Path(root) / STATE_FILE).read_text(encoding="utf-8"))


def article_info(article: dict, origin: str = "") -> ArticleInfo:
    """The public, frozen view of one article's state."""
    return ArticleInfo(
        path=article["path"], title=article["title"], author=article["author"],
        published=article["published"], standfirst=article["standfirst"],
        paragraphs=tuple(article["paragraphs"]), section=article["section"],
        url=origin + article["path"], modified=article["modified"], block_kinds=tuple(article["kinds"]),
        tags=tuple(article["tags"]), edits=article["edits"])


def site_info(root: Path, state: dict) -> SiteInfo:
    """The public view of a whole site's state."""
    prefix, now = state["prefix"], datetime.fromisoformat(state["now"])
    articles = state["articles"]
    pages = [f"{prefix}/index.html", f"{prefix}/about.html", f"{prefix}/contact.html"]
    pages += sorted({f"{prefix}/tag/{t}.html" for a in articles for t in a["tags"]})
    pages += [f"{prefix}/author/{slug_of(a)}.html" for a in prose.AUTHORS]
    return SiteInfo(
        root=Path(root), articles=tuple(article_info(a, state["origin"]) for a in articles),
        feed_paths=tuple(prefix + p for p in FEED_PATHS), sitemap_path=prefix + SITEMAP_PATH,
        section_paths=tuple(f"{prefix}/section/{s}.html" for s in prose.SECTIONS), now=now,
        base_path=state["base_path"], page_paths=tuple(pages),
        news_sitemap_paths=tuple(a["path"] for a in articles if feeds.in_news_sitemap(a, now)))


def load_site(root: Path) -> SiteInfo:
    """SiteInfo for a site generated earlier (as it is now, after any edits)."""
    return site_info(Path(root), load_state(root))


def churn_chrome(root: Path, *, seed: int = 2) -> None:
    """Re-render every page with new chrome; article text, headline and byline stay the same."""
    root = Path(root)
    state = load_state(root)
    for article in state["articles"]:
        article["chrome"] = mix(article["chrome"], seed)
    state["site_chrome"] = mix(state["site_chrome"], seed)
    write_site(root, state)
