"""`newswatch doctor`: find stored versions that were never the article (an error page, a paywall,
a consent wall or a bot check that an older rule let in) and take them out of the history."""
from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from crawler.outcomes import classify_page, classify_text
from db.rewrites import FalseVersion, remove_versions
from db.schema import iso

if TYPE_CHECKING:  # loaded by open_db
    import sqlite_utils


@dataclass
class Finding:
    """One false version, for the report printed before anything is changed."""

    article_id: int
    url: str
    version: int
    false: FalseVersion

    def line(self) -> str:
        return f"{self.url} v{self.version}: {self.false.reason} -> {self.false.status}"


def false_versions(db: sqlite_utils.Database, source: str | None = None) -> Iterator[Finding]:
    """Every stored version whose text (and page, when the HTML was kept) is a stand-in page."""
    sql = ("select v.id, v.version, v.title, v.body, a.id, a.url, h.codec, h.html from versions v "
           "join articles a on a.id = v.article_id left join version_html h on h.version_id = v.id"
           + (" where a.source = ?" if source else "") + " order by a.id, v.version")
    for vid, number, title, body, article_id, url, codec, html in db.execute(sql, [source] if source else []):
        found = classify_text(title or "", body or "")
        if found is None and html is not None and codec == "zlib":
            found = _classify_stored_page(zlib.decompress(html), url)
        if found is not None:
            yield Finding(article_id, url, number, FalseVersion(vid, found.status, found.reason))


def _classify_stored_page(html: bytes, url: str):
    from crawler.cleaner import clean

    return classify_page(clean(html, url), url)


def fix_false_versions(db: sqlite_utils.Database, findings: list[Finding],
                       now: datetime | None = None) -> dict[str, int]:
    """Remove the findings' versions, one transaction per article; returns the summed counts."""
    at = iso(now or datetime.now(timezone.utc))
    totals = {"articles": 0, "removed": 0, "merged": 0}
    by_article: dict[int, list[FalseVersion]] = {}
    for finding in findings:
        by_article.setdefault(finding.article_id, []).append(finding.false)
    for article_id, false in by_article.items():
        counts = remove_versions(db, article_id, false, at)
        totals["articles"] += 1
        totals["removed"] += counts["removed"]
        totals["merged"] += counts["merged"]
    return totals
