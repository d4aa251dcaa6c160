"""RSS, Atom, sitemaps and robots.txt for the demo site."""
from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from .render import SITE_NAME, PageContext

FEED_SIZE = 20
NEWS_WINDOW = timedelta(days=2)


def newest(ctx: PageContext, limit: int = FEED_SIZE) -> list[dict]:
    """The newest articles, newest first."""
    return [ctx.articles[i] for i in ctx.newest[:limit]]


def rss(ctx: PageContext) -> str:
    """RSS 2.0 feed with the newest articles."""
    home = ctx.url(ctx.prefix) + "/"
    items = "".join(
        f"<item>\n<title>{escape(a['title'])}</title>\n<link>{escape(ctx.url(a['path']))}</link>\n"
        f"<dc:creator><![CDATA[{a['author']}]]></dc:creator>\n"
        f"<pubDate>{format_datetime(datetime.fromisoformat(a['published']))}</pubDate>\n"
        f"<category><![CDATA[{a['section'].title()}]]></category>\n"
        f"<guid isPermaLink=\"false\">{escape(home)}?p={a['id']}</guid>\n"
        f"<description><![CDATA[{a['standfirst']}]]></description>\n</item>\n" for a in newest(ctx))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            f"<channel>\n<title>{SITE_NAME}</title>\n<link>{escape(home)}</link>\n"
            f"<description>Independent news, every day</description>\n<language>en-US</language>\n"
            f"<lastBuildDate>{format_datetime(last_change(ctx))}</lastBuildDate>\n{items}</channel>\n</rss>\n")


def atom(ctx: PageContext) -> str:
    """Atom feed with the same articles as the RSS feed."""
    home = ctx.url(ctx.prefix) + "/"
    entries = "".join(
        f"<entry>\n<title>{escape(a['title'])}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{escape(ctx.url(a['path']))}\"/>\n"
        f"<id>tag:demo-daily.example,{a['published'][:10]}:post-{a['id']}</id>\n"
        f"<published>{a['published']}</published>\n<updated>{a['modified']}</updated>\n"
        f"<author><name>{escape(a['author'])}</name></author>\n<summary>{escape(a['standfirst'])}</summary>\n</entry>\n"
        for a in newest(ctx))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US">\n'
            f"<title>{SITE_NAME}</title>\n<id>tag:demo-daily.example,2026:feed</id>\n"
            f"<link rel=\"alternate\" type=\"text/html\" href=\"{escape(home)}\"/>\n"
            f"<link rel=\"self\" href=\"{escape(ctx.url(ctx.prefix))}/atom.xml\"/>\n"
            f"<updated>{last_change(ctx).isoformat()}</updated>\n{entries}</feed>\n")


def last_change(ctx: PageContext) -> datetime:
    """Newest modification time of any article."""
    return max((datetime.fromisoformat(a["modified"]) for a in ctx.articles), default=ctx.now)


def in_news_sitemap(article: dict, now: datetime) -> bool:
    """Google News sitemaps only list articles from the last two days."""
    return now - datetime.fromisoformat(article["published"]) <= NEWS_WINDOW


def sitemap_index(ctx: PageContext) -> str:
    """Sitemap index pointing at the news and pages sitemaps."""
    stamp = last_change(ctx).isoformat()
    maps = "".join(f"<sitemap><loc>{escape(ctx.url(ctx.prefix))}/{name}</loc><lastmod>{stamp}</lastmod></sitemap>\n"
                   for name in ("sitemap-news.xml", "sitemap-pages.xml"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{maps}</sitemapindex>\n')


def news_sitemap(ctx: PageContext) -> str:
    """Google News sitemap (news: namespace) of recent articles."""
    urls = "".join(
        f"<url>\n<loc>{escape(ctx.url(a['path']))}</loc>\n<lastmod>{a['modified']}</lastmod>\n<news:news>\n"
        f"<news:publication><news:name>{SITE_NAME}</news:name><news:language>en</news:language></news:publication>\n"
        f"<news:publication_date>{a['published']}</news:publication_date>\n<news:title>{escape(a['title'])}</news:title>\n"
        f"</news:news>\n</url>\n"
        for a in newest(ctx, len(ctx.articles)) if in_news_sitemap(a, ctx.now))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{urls}</urlset>\n')


def pages_sitemap(ctx: PageContext) -> str:
    """Sitemap of every article with its lastmod."""
    urls = "".join(f"<url><loc>{escape(ctx.url(a['path']))}</loc><lastmod>{a['modified']}</lastmod></url>\n"
                   for a in ctx.articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n')


def robots(ctx: PageContext) -> str:
    """robots.txt allowing everything and naming the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {ctx.url(ctx.prefix)}/sitemap.xml\n"
