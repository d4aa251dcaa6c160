"""`newswatch reclean`: re-clean every stored page with the current cleaner and rebuild the
versions of articles whose re-cleaned history differs. Lives in crawler/ because the
database layer must not import the cleaner."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cleaner import Article
from crawler.items import content_of
from crawler.outcomes import classify_page
from crawler.site_parsers import SiteParserFailed, clean_page as clean_with_parser
from crawler.sources import Config, SourceConfigError
from db.rewrites import Rebuilt, replace_versions, stored_pages
from db.schema import iso

if TYPE_CHECKING:  # loaded by open_db
    import sqlite_utils


def reclean_db(db: sqlite_utils.Database, *, config: Config | None = None, source: str | None = None,
               clean_page: Callable[..., Article] = clean_with_parser,
               archive: Path | None = None) -> dict[str, int]:
    """Counts of articles: checked, unchanged, recleaned, skipped (a version without stored HTML),
    failed (a page the current cleaner finds no article in: left as it was). `archive`: the WARC
    folder, where the pages of versions captured there and not in version_html are read."""
    report = dict.fromkeys(("articles", "unchanged", "recleaned", "skipped_without_html", "failed"), 0)
    sql, params = "select id, url, source from articles", []
    if source is not None:
        sql, params = sql + " where source = ?", [source]
    now = iso(datetime.now(timezone.utc))
    for article in list(db.query(sql + " order by id", params)):
        report["articles"] += 1
        pages = stored_pages(db, article["id"], _capture_reader(archive))
        if pages is None:
            report["skipped_without_html"] += 1
            continue
        rebuilt = rebuild(pages, article, page_selectors(config, article["source"]), clean_page)
        if rebuilt is None:
            report["failed"] += 1
        elif [r.digest for r in rebuilt] == [p["content_hash"] for p in pages]:
            report["unchanged"] += 1
        else:
            replace_versions(db, article["id"], rebuilt, now)
            report["recleaned"] += 1
    return report


def rebuild(pages: list[dict], article: dict, selectors: dict, clean_page) -> list[Rebuilt] | None:
    """The article's history as the current cleaner reads it: consecutive pages that now clean
    to the same content are one version, and a page that stands in for the article (an error
    page, a wall) is none. None when a page no longer yields an article."""
    out: list[Rebuilt] = []
    for page in pages:
        try:
            a = clean_page(page["html"], article["url"], **selectors)
        except SiteParserFailed:  # the source's parser raises on this page now: left as it was
            return None
        if not a.title.strip() or not a.body.strip():
            return None
        if classify_page(a, article["url"]) is not None:
            continue
        item = Rebuilt(content_of(a), page["captured_at"], page["check_id"], [page["id"]])
        if out and out[-1].digest == item.digest:
            out[-1].old_ids.append(page["id"])
        else:
            out.append(item)
    return out or None


def _capture_reader(archive: Path | None) -> Callable[[dict], bytes] | None:
    """Reads a version's page (payload, Content-Encoding undone) from its WARC capture."""
    if archive is None:
        return None
    from crawler.archive import Capture, read_response

    return lambda row: read_response(archive, Capture(row["warc_file"], row["warc_offset"],
                                                      row["warc_length"]))["payload"]


def page_selectors(config: Config | None, name: str) -> dict:
    """The cleaning options of the source `name` (its selectors and site parser), for `clean_page`."""
    try:
        source = config.source(name) if config else None
    except SourceConfigError:
        source = None
    if source is None:
        return {}
    parser = {"site_parser": source.parser} if source.parser is not None else {}
    return {"drop_selectors": source.drop_selectors, "body_selector": source.body_selector,
            "live_selector": source.live_selector, **parser}
