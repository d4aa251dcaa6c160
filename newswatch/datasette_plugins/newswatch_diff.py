"""Datasette plugin: an article's version timeline and a sentence-aligned diff between any two of
its versions, links to them from the change views, and a read-only guard.

Routes: /-/newswatch/article/<id> and /-/newswatch/diff/<article_id>?a=N&b=M (default: the last
two versions). The alignment is `db.changes.compare`, the markup `newswatch.render`'s.
"""
from __future__ import annotations

import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup, escape

from db.changes import compare
from newswatch import render

PLUGIN = "newswatch"
# Views whose rows have article_id: there the article_id cell links to the article's timeline.
LINKED_VIEWS = {"changes", "headline_changes", "corrections", "most_edited", "article_events"}
LABELS = {"added": "added", "deleted": "deleted", "rewritten": "rewritten", "moved": "moved"}


@hookimpl
def register_routes():
    return [(r"^/$", home_page),  # newswatch's own front page, before Datasette's table list
            (r"^/-/newswatch/article/(?P<article_id>\d+)$", article_page),
            (r"^/-/newswatch/diff/(?P<article_id>\d+)$", diff_page),
            (r"^/-/newswatch/screenshot/(?P<version_id>\d{1,18})\.png$", screenshot_page)]


@hookimpl
def prepare_connection(conn, database, datasette):
    """`newswatch serve` sets `read_only`: then even Datasette's write connection cannot write;
    and `max_cell_bytes`: no query makes or reads a string or blob longer than that."""
    config = datasette.plugin_config(PLUGIN) or {}
    if database not in ("_internal", "_memory") and config.get("read_only"):
        conn.execute("PRAGMA query_only = 1")
    if config.get("max_cell_bytes"):  # SQLite then answers "string or blob too big"
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, config["max_cell_bytes"])


@hookimpl
def asgi_wrapper(datasette):
    """`newswatch serve` sets `max_response_bytes`: a bigger response is held back and replaced
    by a short 400 that says why (Datasette has no setting for it)."""
    limit = (datasette.plugin_config(PLUGIN) or {}).get("max_response_bytes")
    return (lambda app: _ResponseCap(app, limit)) if limit else (lambda app: app)


class _Refused(Exception):
    pass


class _ResponseCap:
    """ASGI middleware: holds a response until it is complete or over `limit` bytes."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        held, size = [], 0

        async def send_capped(message):
            nonlocal size
            held.append(message)
            if message["type"] != "http.response.body":
                return
            size += len(message.get("body", b""))
            if size > self.limit:  # and so for whatever the app sends after (an error page)
                raise _Refused()
            if not message.get("more_body"):
                for each in held:
                    await send(each)
                held.clear()

        try:
            await self.app(scope, receive, send_capped)
        except _Refused:
            pass
        if size > self.limit:
            await _too_big(send, self.limit)


async def _too_big(send, limit: int) -> None:
    body = (f"Refused: the response is over {limit >> 20} MB, the cap of newswatch serve (it "
            "protects the server and whoever reads it). Ask for fewer rows (LIMIT, ?_size=) or "
            "shorter columns (substr(body, 1, 1000)).\n").encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A version number links to its diff with the version before; in the change views and canned
    queries an article_id links to the article's timeline, in `articles` the version count does."""
    keys = set(row.keys()) if hasattr(row, "keys") else set()
    if column == "version" and "article_id" in keys and isinstance(value, int) and value > 1:
        href = datasette.urls.path(f"/-/newswatch/diff/{row['article_id']}?a={value - 1}&b={value}")
        return Markup(f'<a class="nw-diff-link" href="{escape(href)}">v{value} diff</a>')
    if column == "article_id" and isinstance(value, int) and (table is None or table in LINKED_VIEWS):
        href = datasette.urls.path(f"/-/newswatch/article/{value}")
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if table == "articles" and column == "version_count" and "id" in keys and value:
        href = datasette.urls.path(f"/-/newswatch/article/{row['id']}")
        return Markup(f'<a href="{escape(href)}">{value} version{"s" if value != 1 else ""}</a>')
    return None


async def _database(datasette, request):
    name = request.args.get("db")
    try:
        db = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"no database {name!r}")
    await datasette.ensure_permissions(request.actor, [("view-database", db.name), "view-instance"])
    return db


def _article_id(request) -> int:
    """The article id of the URL; one that no SQLite row id can be (over 2^63 - 1) is a 404."""
    text = request.url_vars["article_id"]
    if len(text) > 19 or int(text) >= 1 << 63:
        raise NotFound(f"no article {text[:30]}")
    return int(text)


async def _article(db, article_id: int) -> dict:
    rows = (await db.execute("select * from articles where id = ?", [article_id])).rows
    if not rows:
        raise NotFound(f"no article {article_id}")
    return dict(rows[0])


async def home_page(datasette, request):
    """The latest edits (headline first, what changed, the diff), the sources and a search box."""
    db = await _database(datasette, request)
    edits = [dict(r) for r in (await db.execute(
        "select article_id, url, source, version, captured_at, title, previous_title, title_changed, "
        "byline_changed, body_changed, published_changed, sentences_added, sentences_deleted, "
        "sentences_rewritten, sentences_moved, numbers_changed, quotes_changed, notice, minor "
        "from changes order by captured_at desc, version_id desc limit 25")).rows]
    for edit in edits:
        edit["labels"] = ", ".join(render.labels(edit))
    sources = [dict(r) for r in (await db.execute(
        "select source, count(*) as articles, sum(version_count) as versions, max(last_changed) as last_edit "
        "from articles group by source order by source")).rows]
    return await _page(datasette, request, HOME, edits=edits, sources=sources, database=db.name,
                       diff=datasette.urls.path("/-/newswatch/diff/"),
                       tables=datasette.urls.database(db.name))


async def article_page(datasette, request):
    db = await _database(datasette, request)
    article = await _article(db, _article_id(request))
    versions = [dict(r) for r in (await db.execute(
        "select v.version, v.captured_at, v.title, v.words_added, v.words_removed, c.title_changed, "
        "c.byline_changed, c.body_changed, c.published_changed, c.sentences_added, c.sentences_deleted, "
        "c.sentences_rewritten, c.sentences_moved, c.numbers_changed, c.quotes_changed, c.notice, "
        "c.minor from versions v left join change_records c on c.version_id = v.id "
        "where v.article_id = ? order by v.version", [article["id"]])).rows]
    for v in versions:
        v["labels"] = ", ".join(render.labels(v)) if v["version"] > 1 else "first seen"
    return await _page(datasette, request, TIMELINE, article=article, versions=versions,
                       base=datasette.urls.path(f"/-/newswatch/diff/{article['id']}"))


async def diff_page(datasette, request):
    db = await _database(datasette, request)
    article = await _article(db, _article_id(request))
    count = article["version_count"] or 0
    try:
        b = int(request.args.get("b") or count)
        a = int(request.args.get("a") or b - 1)
    except ValueError:
        raise BadRequest("a and b are version numbers, e.g. ?a=1&b=2")
    if not (1 <= a <= count and 1 <= b <= count) or count < 2:
        raise BadRequest(f"this article has versions 1..{count}; pick two of them, "
                         f"e.g. ?a=1&b={max(count, 2)}")
    rows = {r["version"]: dict(r) for r in (await db.execute(
        "select * from versions where article_id = ? and version in (?, ?)", [article["id"], a, b])).rows}
    old, new = rows[a], rows[b]
    record = compare(old, new)
    fields = [(name, c["old"], c["new"]) for name, c in record.fields.items() if name != "title"]
    shots = await _screenshots(datasette, db, old["id"], new["id"])
    return await _page(
        datasette, request, DIFF, article=article, a=a, b=b, old=old, new=new, record=record,
        shot_a=shots.get(old["id"]), shot_b=shots.get(new["id"]),
        fields=fields, labels=", ".join(render.labels(render.summary(record))) or "no change",
        headline=Markup(render.headline_html(record, new)),
        side_by_side=Markup(render.diff_side_by_side_html(record, old["body"])),
        inline=Markup(render.diff_inline_html(record, old["body"])), numbers=range(1, count + 1),
        timeline=datasette.urls.path(f"/-/newswatch/article/{article['id']}"),
        action=datasette.urls.path(f"/-/newswatch/diff/{article['id']}"))


async def _screenshots(datasette, db, *version_ids: int) -> dict[int, str]:
    """Version id -> the URL of its screenshot (a rendered page's PNG, docs/rendering.md)."""
    if "screenshots" not in await db.table_names():
        return {}
    marks = ", ".join("?" * len(version_ids))
    rows = (await db.execute(f"select version_id from screenshots where version_id in ({marks})",
                             list(version_ids))).rows
    return {row[0]: datasette.urls.path(f"/-/newswatch/screenshot/{row[0]}.png") + f"?db={db.name}"
            for row in rows}


async def screenshot_page(datasette, request):
    """A version's screenshot, from archive/screenshots/ beside the database."""
    from pathlib import Path

    db = await _database(datasette, request)
    rows = (await db.execute("select file from screenshots where version_id = ?",
                             [int(request.url_vars["version_id"])])).rows
    folder = (Path(db.path).resolve().parent / "archive").resolve()
    path = (folder / rows[0][0]).resolve() if rows else None
    if path is None or folder not in path.parents or not path.is_file():
        raise NotFound("no screenshot of this version")
    return Response(path.read_bytes(), content_type="image/png")


async def _page(datasette, request, source: str, **context) -> Response:
    template = datasette.jinja_env.from_string(source)
    return Response.html(await datasette.render_template(template, context, request=request))


# Colours: added green, deleted red and struck through, rewritten yellow (with the words that
# changed marked inside), moved blue. Under 700px the two columns stack (old above new).
CSS = """<style>
.nw-legend span, .nw-diff ins, .nw-diff del, .nw-diff .rewritten, .nw-diff .moved { padding: 0 .15em; border-radius: 3px }
.nw-diff ins, .nw-legend .added { background: #c8f0cf; color: #0b5a1c; text-decoration: none }
.nw-diff del, .nw-legend .deleted { background: #fbd0d0; color: #9b1111; text-decoration: line-through }
.nw-diff .rewritten, .nw-legend .rewritten { background: #fff1a8 }
.nw-diff .rewritten ins { background: #c8f0cf } .nw-diff .rewritten del { background: #fbd0d0 }
.nw-diff .moved, .nw-legend .moved { background: #d3e4fd; color: #113e8a }
.nw-diff .moved-note { color: #113e8a; font-style: italic; font-size: .9em }
.nw-sbs { display: grid; gap: .4rem }
.nw-row { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; padding: .4rem 0; border-bottom: 1px solid #eee; line-height: 1.5 }
.nw-row.changed { border-left: 3px solid #f0b400; padding-left: .5rem }
.nw-head { font-weight: bold }
.nw-old, .nw-new, .nw-url { overflow-wrap: anywhere }
.nw-inline p { line-height: 1.6; overflow-wrap: anywhere }
.nw-versions select { font-size: 1rem }
.nw-versions label, .nw-toggle-label { display: inline; width: auto; margin-right: .75rem; font-weight: normal }
.nw-toggle:not(:checked) ~ .nw-sbs .nw-row:not(.changed):not(.nw-head) { display: none }
@media (max-width: 700px) {
  .nw-row { grid-template-columns: 1fr; gap: .25rem }
  .nw-row .nw-old::before { content: "before: "; font-weight: bold; color: #666 }
  .nw-row .nw-new::before { content: "after: "; font-weight: bold; color: #666 }
  .nw-head { display: none }
}
</style>"""

DIFF = """{% extends "base.html" %}
{% block title %}{{ new.title }}: v{{ a }} → v{{ b }}{% endblock %}
{% block extra_head %}""" + CSS + """{% endblock %}
{% block content %}
<div class="nw-diff">
<h1 id="nw-headline">{{ headline }}</h1>
<p class="nw-url"><a href="{{ article.url }}">{{ article.url }}</a> · {{ article.source }} ·
 <a href="{{ timeline }}">all {{ article.version_count }} versions</a></p>
<form class="nw-versions" action="{{ action }}" method="get">
 <label>from <select name="a">{% for n in numbers %}<option{% if n == a %} selected{% endif %}>{{ n }}</option>{% endfor %}</select></label>
 <label>to <select name="b">{% for n in numbers %}<option{% if n == b %} selected{% endif %}>{{ n }}</option>{% endfor %}</select></label>
 <button type="submit">Compare</button>
</form>
<p>Version {{ a }} ({{ old.captured_at }}) → {{ b }} ({{ new.captured_at }}): <strong id="nw-labels">{{ labels }}</strong></p>
<p class="nw-legend">Legend: <ins class="added">added</ins> <del class="deleted">deleted</del>
 <span class="rewritten">rewritten</span> <span class="moved">moved</span></p>
{% if fields %}<ul>{% for name, before, after in fields %}<li>{{ name }}: {{ before or "(none)" }} → {{ after or "(none)" }}</li>{% endfor %}</ul>{% endif %}
{% if record.notice %}<p><strong>{{ record.notice.replace("_", " ") }}</strong>: {{ record.notice_text }}</p>{% endif %}
{% if record.minor %}<p>Minor edit: only punctuation, case or whitespace changed.</p>{% endif %}
<h2>Side by side</h2>
<input type="checkbox" id="nw-show-all" class="nw-toggle"> <label for="nw-show-all" class="nw-toggle-label">also show the unchanged paragraphs</label>
<div class="nw-sbs" id="nw-side-by-side">
<div class="nw-row nw-head"><div>Version {{ a }}</div><div>Version {{ b }}</div></div>
{{ side_by_side }}
</div>
<h2>Inline</h2>
<div class="nw-inline" id="nw-inline">{{ inline }}</div>
{% if shot_a or shot_b %}<h2>Screenshots</h2>
<div class="nw-row" id="nw-screenshots">{% for shot in (shot_a, shot_b) %}<div>{% if shot %}<a href="{{ shot }}"><img src="{{ shot }}" alt="screenshot" loading="lazy" style="max-width: 100%; border: 1px solid #ccc"></a>{% else %}no screenshot of this version{% endif %}</div>{% endfor %}</div>{% endif %}
</div>
{% endblock %}"""

HOME = """{% extends "base.html" %}
{% block title %}newswatch: what changed{% endblock %}
{% block extra_head %}""" + CSS + """<style>
.nw-home { max-width: 1200px } .nw-home td.nw-headline { font-weight: 600 } .nw-home .nw-prev { color: #666; font-weight: normal }
</style>{% endblock %}
{% block content %}
<div class="nw-home">
<h1>What changed</h1>
<form action="{{ tables }}/versions" method="get" class="nw-search">
<input type="search" name="_search" placeholder="Search every version of every article" size="50">
<input type="submit" value="Search"></form>
{% if edits %}<table class="rows-and-columns" id="nw-recent">
<thead><tr><th>headline</th><th>captured</th><th>what changed</th><th>diff</th></tr></thead>
<tbody>{% for e in edits %}<tr>
<td class="nw-headline"><a href="{{ e.url }}">{{ e.title }}</a>{% if e.title_changed %}<br><span class="nw-prev">was: {{ e.previous_title }}</span>{% endif %}<br><span class="nw-prev">{{ e.source }}</span></td>
<td>{{ e.captured_at }}</td><td>{{ e.labels }}</td>
<td><a class="nw-diff-link" href="{{ diff }}{{ e.article_id }}?a={{ e.version - 1 }}&amp;b={{ e.version }}">v{{ e.version - 1 }} → v{{ e.version }}</a></td>
</tr>{% endfor %}</tbody></table>
{% else %}<p>No edits yet: the first versions are stored; edits appear here once a re-check finds one.</p>{% endif %}
<h2>Sources</h2>
<table class="rows-and-columns" id="nw-sources"><thead><tr><th>source</th><th>articles</th><th>versions</th><th>last edit</th></tr></thead>
<tbody>{% for s in sources %}<tr><td><a href="{{ tables }}/articles?source={{ s.source | urlencode }}">{{ s.source }}</a></td>
<td>{{ s.articles }}</td><td>{{ s.versions }}</td><td>{{ s.last_edit or "" }}</td></tr>{% endfor %}</tbody></table>
<p><a href="{{ tables }}">All tables, views and canned queries</a></p>
</div>
{% endblock %}"""

TIMELINE = """{% extends "base.html" %}
{% block title %}{{ article.title }}: versions{% endblock %}
{% block extra_head %}""" + CSS + """{% endblock %}
{% block content %}
<h1>{{ article.title }}</h1>
<p class="nw-url"><a href="{{ article.url }}">{{ article.url }}</a> · {{ article.source }} · status {{ article.status }} ·
 first seen {{ article.first_seen }} · last checked {{ article.last_checked or "never" }}</p>
<table class="rows-and-columns" id="nw-timeline">
<thead><tr><th>version</th><th>captured</th><th>headline</th><th>words</th><th>what changed</th><th>diff</th></tr></thead>
<tbody>{% for v in versions %}<tr>
<td>{{ v.version }}</td><td>{{ v.captured_at }}</td><td>{{ v.title }}</td>
<td>{% if v.version > 1 %}+{{ v.words_added }}/-{{ v.words_removed }}{% else %}{{ v.words_added }}{% endif %}</td>
<td>{{ v.labels }}</td>
<td>{% if v.version > 1 %}<a href="{{ base }}?a={{ v.version - 1 }}&amp;b={{ v.version }}">v{{ v.version - 1 }} → v{{ v.version }}</a>{% if v.version > 2 %} · <a href="{{ base }}?a=1&amp;b={{ v.version }}">from v1</a>{% endif %}{% endif %}</td>
</tr>{% endfor %}</tbody></table>
{% endblock %}"""
