"""Database invariants after anything: a kill, a hostile page, a concurrent read."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from db.store import content_hash


def check_database(path: Path) -> dict[str, int]:
    """Assert integrity and that every version is whole, unique, contiguous and hashed right;
    return counts (articles, versions)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        # One read transaction, one snapshot: a writer still running (the crawl child of a killed
        # `run` finishes on its own) may commit between two queries, never inside one snapshot.
        conn.execute("begin")
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        tables = {name for name, in conn.execute("select name from sqlite_master where type = 'table'")}
        if "versions" not in tables:  # killed before the first migration committed
            return {"articles": 0, "versions": 0}
        orphans = conn.execute("select v.id from versions v left join checks c on c.id = v.check_id "
                               "where v.check_id is not null and c.id is null").fetchall()
        assert orphans == [], ("versions whose check row is missing", orphans)
        seen: dict[int, list[int]] = {}
        for vid, article_id, version, title, byline, body, stored_hash in conn.execute(
                "select id, article_id, version, title, byline, body, content_hash from versions "
                "order by article_id, version"):
            assert content_hash(title, byline or "", body) == stored_hash, (vid, "hash does not match text")
            seen.setdefault(article_id, []).append(version)
        for article_id, versions in seen.items():
            assert versions == list(range(1, len(versions) + 1)), (article_id, versions)
        hashes = conn.execute("select a.article_id, a.version from versions a join versions b on "
                              "b.article_id = a.article_id and b.version = a.version - 1 "
                              "where a.content_hash = b.content_hash").fetchall()
        assert hashes == [], ("a version equal to the one before it", hashes)
        articles = conn.execute("select id, version_count, current_version_id from articles").fetchall()
        for article_id, count, current in articles:
            versions = seen.get(article_id, [])
            assert (count or 0) == len(versions), (article_id, count, versions)
            if versions:
                top = conn.execute("select id from versions where article_id = ? and version = ?",
                                   (article_id, len(versions))).fetchone()[0]
                assert current == top, (article_id, current, top)
            else:
                assert current is None, (article_id, current)
        return {"articles": len(articles), "versions": sum(len(v) for v in seen.values())}
    finally:
        conn.close()
