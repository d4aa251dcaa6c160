"""Security review as executable guardrails.

- SQL: every f-string that builds SQL interpolates only reviewed expressions (constants, `?`
  placeholders, column names from the schema, clauses built from constant strings); a new one
  fails here until someone reviews it and adds it to REVIEWED_SQL.
- Processes: no shell (`shell=True`, `os.system`, `os.popen`), child commands are lists.
- The Datasette plugin (web view) never writes.
- No URL from a feed, sitemap or section page makes the crawler leave the source's domains or
  http(s): a real crawl of links to file:, ftp:, javascript:, data:, other hosts and
  protocol-relative URLs, checked against the server's log and the database.
"""
from __future__ import annotations

import ast
import re
import sqlite3

from tests.conftest import REPO, Cli
from tests.hostile import HostileServer, article_html, html, response, rss, sitemapindex, urlset

CODE_DIRS = ("crawler", "db", "scheduler", "newswatch", "bench")
SQL = re.compile(r"\b(select\s.+\sfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|where|pragma|"
                 r"create\s+(table|index|view|trigger)|order\s+by)\b", re.IGNORECASE | re.DOTALL)
# (file, interpolated expression): reviewed; none of them carries input from a page, a feed,
# the sources file or the command line into the SQL text (values travel as `?` parameters).
REVIEWED_SQL = {
    ("db/changes.py", "', '.join(COLUMNS)"),  # a constant tuple of column names
    ("db/changes.py", "', '.join('?' * (len(COLUMNS) + 6))"),  # placeholders
    ("db/rewrites.py", "', '.join(kept)"),  # column names read from the schema
    ("db/rewrites.py", "marks"),  # "?,?,?"
    ("db/tracking.py", "table"),  # from the constant tuples of tables to purge
    ("db/tracking.py", "versions"),  # a constant subquery with a placeholder
    ("db/queries.py", "','.join('?' * len(chunk))"),  # placeholders
    ("db/fronts.py", "where"),  # constant clauses + placeholders (db.fronts._filters)
    ("db/fronts.py", "', '.join(columns)"),  # a constant tuple of column names
    ("bench/liveblog.py", "t"),  # a table name from a constant tuple
    ("db/schema.py", "len(pending)"), ("db/schema.py", "'s' * (len(pending) > 1)"),  # a message
    ("db/fronts.py", "','.join('?' * len(chunk))"),  # placeholders
    ("db/rewrites.py", "', '.join(columns)"),  # column names read from the schema
    ("db/rewrites.py", "', '.join(_VERSION_FIELDS)"),  # a constant tuple of column names
    ("db/ingest.py", "column"),  # a value of the constant COUNTED_AS (default 'failed')
    ("db/notifications.py", "where"),  # constant clauses + placeholders
    ("db/operations.py", "_covers_source()"),  # a constant clause with placeholders
    ("db/operations.py", "','.join('?' * len(stale))"),
    ("db/operations.py", "EXTRACTION_FAILED"),  # a constant
    ("db/operations.py", "where"),  # constant clauses + placeholders
    ("db/queries.py", "where"), ("db/archives.py", "where"),  # a db.where.Where: constant clauses + ? marks
    ("db/queries.py", "sql"),  # from the constant EXPORTS table
    ("db/where.py", "self.condition"),  # the clauses callers pass, each with ? marks for its values
    ("db/queries.py", "int(limit)"),  # an int
    ("db/queries.py", "order"),  # from the constant EXPORTS table
    ("db/queries.py", "marks"),
    ("db/schema.py", "_EDIT_JOINS"),  # a constant
    ("db/schema.py", "BUSY_TIMEOUT_MS"),  # a constant
    ("db/store.py", "', '.join(columns)"),  # a constant tuple of column names
    # messages that read like SQL, not queries
    ("bench/css_selectors.py", "differ"),
    ("newswatch/demo.py", "me"), ("newswatch/demo.py", "db_arg"),  # the hints the demo prints
    ("newswatch/demo.py", "url"), ("newswatch/demo.py", "invoked_as('sqlite-utils')"),
    ("crawler/sources.py", "url"),
    ("newswatch/demo.py", "time.monotonic() - started"),
    ("newswatch/demo.py", "db"),
    ("newswatch/datasette_plugins/newswatch_diff.py", "marks"),  # placeholders
}


def python_files():
    for folder in CODE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            yield path.relative_to(REPO).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_sql_is_built_only_from_reviewed_constants():
    unreviewed = []
    for name, tree in python_files():
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if not SQL.search(text):
                continue
            for value in node.values:
                if isinstance(value, ast.FormattedValue) and \
                        (name, ast.unparse(value.value)) not in REVIEWED_SQL:
                    unreviewed.append(f"{name}:{node.lineno}: {{{ast.unparse(value.value)}}}")
    assert unreviewed == [], "SQL f-strings to review (values must be ? parameters):\n" + \
        "\n".join(unreviewed)


def test_no_shell_and_child_commands_are_argument_lists():
    found = []
    for name, tree in python_files():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            call = ast.unparse(node.func)
            if call in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"):
                found.append(f"{name}:{node.lineno}: {call}")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                   and keyword.value.value is False):
                    found.append(f"{name}:{node.lineno}: shell={ast.unparse(keyword.value)}")
            if call.startswith("subprocess.") and node.args and isinstance(
                    node.args[0], (ast.JoinedStr, ast.BinOp, ast.Constant)):
                found.append(f"{name}:{node.lineno}: {call} with a command string")
    assert found == []


def test_the_web_view_plugin_never_writes():
    for name, tree in python_files():
        if not name.startswith("newswatch/datasette_plugins/"):
            continue
        source = ast.unparse(tree)
        assert "execute_write" not in source, name
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.search(r"\b(insert\s+into|update\s+\w+\s+set|delete\s+from|drop\s+table)\b",
                                     node.value, re.IGNORECASE), (name, node.value[:80])


def test_no_url_from_a_page_or_feed_leaves_the_source(tmp_path):
    marker = tmp_path / "local.txt"
    marker.write_text("LOCAL-FILE-MARKER")
    with HostileServer() as server:
        base = server.base_url
        other = base.replace("127.0.0.1", "localhost")
        bad = [f"{other}/news/on-localhost-story-one", "file:///etc/passwd", marker.as_uri(),
               "ftp://127.0.0.1/news/ftp-story-here", "javascript:alert(1)//news/x",
               "data:text/html,<h1>x</h1>", "mailto:a@b.example",
               f"//localhost:{server.port}/news/proto-rel-story", "http://evil.example/news/evil-story-here",
               f"http://127.0.0.1.evil.example:{server.port}/news/sub-story"]
        good = f"{base}/news/the-one-good-story"
        server.routes["/news/the-one-good-story"] = html(article_html(1))
        links = "".join(f'<a href="{u}">story</a>' for u in bad + [good])
        server.routes["/section"] = html(f"<html><body>{links}</body></html>".encode())
        server.routes["/feed.xml"] = response(200, rss([(u, "t") for u in bad + [good]]).encode(),
                                              {"Content-Type": "application/rss+xml"})
        server.routes["/sitemap.xml"] = response(200, urlset(bad + [good]).encode(),
                                                 {"Content-Type": "application/xml"})
        server.routes["/index.xml"] = response(
            200, sitemapindex([u.replace("story", "sitemap.xml") for u in bad]).encode(),
            {"Content-Type": "application/xml"})
        sources = tmp_path / "sources.toml"
        sources.write_text(
            '[settings]\nworkers = 1\n\n[[source]]\nname = "s"\n'
            f'feeds = ["{base}/feed.xml"]\nsitemaps = ["{base}/sitemap.xml", "{base}/index.xml"]\n'
            f'start_urls = ["{base}/section"]\nallowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
        cli = Cli(tmp_path / "n.db", sources, tmp_path)
        cli("crawl")
        hits = list(server.hits)
    assert hits and all(h.host == f"127.0.0.1:{server.port}" for h in hits), hits
    assert {h.path for h in hits} <= {"/robots.txt", "/feed.xml", "/sitemap.xml", "/index.xml",
                                      "/section", "/news/the-one-good-story"}
    with sqlite3.connect(cli.db) as conn:
        urls = [u for u, in conn.execute("select url from articles union all select url from checks")]
        dump = "\n".join(conn.iterdump())
    assert urls and all(u == good for u in urls), urls
    assert "LOCAL-FILE-MARKER" not in dump and "root:x:0" not in dump
