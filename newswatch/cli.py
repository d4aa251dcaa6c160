"""The `newswatch` command: parses, calls the library, formats, maps errors to exit codes."""
from __future__ import annotations

import errno
import functools
import json
import os
import signal
import sqlite3
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from crawler.paths import DEFAULT_DB, DEFAULT_SOURCES
from crawler.sources import Config, SourceConfigError, load_config, parse_duration
from crawler.report import EVERY_DISCOVERY_FAILED
from crawler.urls import lookup_forms
from db import queries
from db.schema import (DatabaseError, StorageFull, StorageProblem, open_db, parse_iso,
                       storage_problem)

# The diff and rendering modules are imported by the commands that use them: every command pays
# the imports at the top before it starts, `crawl` and `recheck` before their worker processes.

EXIT_USAGE = 2  # bad sources file, bad option value, unknown article: the user must fix something
EXIT_STORAGE = 3  # the database cannot be written or read: disk full, file damaged, directory read-only


class Paths:
    def __init__(self, db: str, sources: str):
        self.db, self.sources = Path(db), Path(sources)


def common_options(command):
    """--db and --sources on every command too (not only before it), same env vars and defaults."""
    @click.option("--db", "db_", metavar="PATH", envvar="NEWSWATCH_DB", default=None,
                  help=f"SQLite database file [env NEWSWATCH_DB; default {DEFAULT_DB}].")
    @click.option("--sources", "sources_", metavar="PATH", envvar="NEWSWATCH_SOURCES", default=None,
                  help=f"Sources file (TOML) [env NEWSWATCH_SOURCES; default {DEFAULT_SOURCES}].")
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx, db_, sources_, *args, **kwargs):
        parent: Paths = ctx.find_object(Paths)
        paths = Paths(db_ or parent.db, sources_ or parent.sources)
        try:
            return ctx.invoke(command, paths, *args, **kwargs)
        except (sqlite3.Error, OSError, StorageProblem) as exc:  # the one place they become a line
            if (problem := storage_problem(exc, paths.db)) is None:
                raise
            raise StorageFailure(str(problem)) from None
        except (SourceConfigError, DatabaseError, queries.ArticleNotFound,
                queries.VersionNotFound) as exc:
            raise UsageProblem(str(exc)) from None
    return wrapper


def echo_json_lines(rows) -> None:
    """`--json` on listing commands: one JSON object per line, for scripts and `jq`."""
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


@contextmanager
def output_file(path: str | None, mode: str):
    """stdout, or a file written whole or not at all: a temporary file beside it, synced and
    renamed over it once complete, so a failure half-way leaves no file (or the previous one)."""
    if path is None:
        with click.open_file("-", mode, encoding=None if "b" in mode else "utf-8") as out:
            yield out
        return
    target = Path(path)
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(dir=target.absolute().parent, prefix=f".{target.name}.")
        with open(fd, mode, encoding=None if "b" in mode else "utf-8") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # as open() would have made it
        os.replace(temporary, target)
    except BaseException as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFailure(str(StorageFull(target, "write it elsewhere with -o"))) from None
        if isinstance(exc, OSError) and temporary is None:  # no such directory, or not writable
            raise UsageProblem(f"{target}: cannot write it ({exc.strerror}); choose another "
                               "file with -o") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class UsageProblem(click.ClickException):
    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class StorageFailure(UsageProblem):
    exit_code = EXIT_STORAGE


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", metavar="PATH", envvar="NEWSWATCH_DB", default=DEFAULT_DB, show_default=True,
              help="SQLite database file [env NEWSWATCH_DB].")
@click.option("--sources", metavar="PATH", envvar="NEWSWATCH_SOURCES", default=DEFAULT_SOURCES,
              show_default=True, help="Sources file (TOML) [env NEWSWATCH_SOURCES].")
@click.version_option(package_name="newswatch")
@click.pass_context
def cli(ctx, db: str, sources: str) -> None:
    """Track how news articles change.

    newswatch discovers a site's articles (feeds, sitemaps, section pages), keeps only the
    article (headline, byline, dates, body), stores every distinct version in SQLite and
    answers what changed, when and how.

    \b
    Start:   newswatch demo                 (a local demo site, end to end)
    Crawl:   newswatch crawl                (discover and store new articles)
             newswatch recheck              (re-fetch the articles that are due)
             newswatch run                  (both, on a schedule, until Ctrl-C)
    Query:   newswatch changes --since 24h  (what was edited)
             newswatch diff URL             (how)
    """
    ctx.obj = Paths(db, sources)


# -- crawling ---------------------------------------------------------------------------------
# `run`, `status`, `worker` and `ingest` take the Redis of distributed crawling.
REDIS_OPTION = dict(metavar="URL", envvar="NEWSWATCH_REDIS", default=None,
                    help="Redis of distributed crawling, e.g. redis://10.0.0.5:6379/0 "
                         "[env NEWSWATCH_REDIS; default [settings] redis].")
ARCHIVE_HELP = ("CDX endpoint of a web archive, e.g. http://127.0.0.1:8080/my-coll/cdx (repeatable) "
                "[default: [settings] archives, else the Internet Archive's].")
WORKERS_HELP = ("Crawl processes, the articles split between them (per-domain limits still hold) "
                "[default: [settings] workers, else one per core].")


@cli.command()
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Only this source (repeatable). Default: every source in the sources file.")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl's summary as JSON on stdout.")
@click.option("--verbose", "-v", is_flag=True, help="Show Scrapy's log (INFO) as well.")
@click.option("--workers", type=click.IntRange(1, 64), metavar="N", help=WORKERS_HELP)
@common_options
def crawl(paths: Paths, source_names: tuple[str, ...], as_json: bool, verbose: bool,
          workers: int | None) -> None:
    """Discover articles and store the new ones.

    Reads every feed, sitemap (indexes and news sitemaps too) and section page of the sources,
    fetches the articles not tracked yet, cleans them and stores their first version. Progress
    goes to stderr every 2 seconds; a summary line ends the run.
    """
    _run_crawl(paths, "discover", source_names, as_json=as_json, verbose=verbose, workers=workers)


def find_article(db, url: str) -> dict:
    """The tracked article a user means by `url`: pasted with tracking parameters, without its
    scheme, an alias or an old slug (one lookup for every command that takes a URL)."""
    return queries.article_by_url(db, url, *lookup_forms(url))


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--all", "every", is_flag=True, help="Every tracked article, whether due or not.")
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl's summary as JSON on stdout.")
@click.option("--verbose", "-v", is_flag=True, help="Show Scrapy's log (INFO) as well.")
@click.option("--workers", type=click.IntRange(1, 64), metavar="N", help=WORKERS_HELP)
@common_options
def recheck(paths: Paths, urls: tuple[str, ...], every: bool, source_names: tuple[str, ...],
            as_json: bool, verbose: bool, workers: int | None) -> None:
    """Re-fetch tracked articles and store a new version where the article changed.

    By default only the articles that are due (their next_check_at has passed); --all takes
    every tracked article; URL arguments take just those.
    """
    if urls:  # re-check the articles as they are tracked now, whatever spelling was pasted
        db = open_db(paths.db)
        urls = tuple(dict.fromkeys(find_article(db, url)["url"] for url in urls))
    _run_crawl(paths, "recheck", source_names, every=every, urls=urls, as_json=as_json,
               verbose=verbose, workers=workers)


def _run_crawl(paths: Paths, mode: str, source_names, *, every=False, urls=(), as_json=False,
               verbose=False, workers=None) -> None:
    from scheduler.crawls import default_workers, run_crawl_child

    config = load_config(paths.sources)
    for name in source_names:
        config.source(name)
    result = run_crawl_child(paths.db, paths.sources, mode, source_names=source_names, every=every,
                             urls=urls, verbose=verbose, workers=workers or default_workers(config))
    if result.exit_code in (EXIT_USAGE, EXIT_STORAGE):  # the crawl process said why
        raise SystemExit(result.exit_code)
    if as_json:
        click.echo(json.dumps(result.crawl or {}, ensure_ascii=False))
    if result.stopped_by is not None:  # the crawl stopped cleanly; exit as the signal asked
        status = (result.crawl or {}).get("status", "not started")
        click.echo(f"stopped by {signal.Signals(result.stopped_by).name}: crawl {status}", err=True)
        raise SystemExit(128 + result.stopped_by)
    if result.exit_code == 0 and result.crawl and result.crawl["status"] == EVERY_DISCOVERY_FAILED:
        raise click.ClickException("every discovery URL failed, nothing was read (the lines above "
                                   "say why; `newswatch errors` lists failed articles)")
    if result.exit_code != 0 or result.crawl is None:
        raise click.ClickException(f"the crawl process ended with exit code {result.exit_code}")


@cli.command()
@click.option("--once", is_flag=True, help="Run every job once (discovery, then re-check) and exit.")
@click.option("--max-crawls", default=None, type=click.IntRange(1, 64), metavar="N",
              help="Crawls (child processes) allowed to run at the same time "
                   "[default: [settings] max_crawls, 2].")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="One event per line on stdout: key=value text or JSON.")
@click.option("--redis", "redis_url", **REDIS_OPTION)
@click.option("--lease", default=None, metavar="DURATION",
              help="With --redis: a re-check not ingested after this long is pushed again [default 10m].")
@common_options
def run(paths: Paths, once: bool, max_crawls: int | None, log_format: str, redis_url: str | None,
        lease: str | None) -> None:
    """Run the scheduler until Ctrl-C or SIGTERM.

    One discovery job per source (every `discover_every`) and one re-check job (every
    [settings] recheck_every); each crawl runs in a child process. A second `run` on the same
    database refuses to start. Ctrl-C / SIGTERM let the running crawls stop cleanly. The
    schedule lives in the database: a restart continues where the last run stopped.
    """
    from scheduler.jobs import AlreadyRunning, Daemon

    config = load_config(paths.sources)
    redis_url = redis_url or config.redis
    if redis_url:  # Coordinator only, the work goes to `newswatch worker`s
        from scheduler.coordinator import Coordinator

        daemon = Coordinator(paths.db, paths.sources, config, max_crawls=max_crawls,
                             echo=click.echo, log_format=log_format, redis_url=redis_url,
                             lease=_duration_option(lease, "--lease") if lease else 600)
        _redis_status(redis_url)  # unreachable: say so now, not in every job's log line
    else:
        daemon = Daemon(paths.db, paths.sources, config, max_crawls=max_crawls,
                        echo=click.echo, log_format=log_format)
    try:
        daemon.run(once=once)
    except AlreadyRunning as exc:
        raise UsageProblem(str(exc)) from None
    if once and getattr(daemon, "storage_failed", False):  # the crawl process said why
        raise SystemExit(EXIT_STORAGE)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="The whole report as one JSON object.")
@click.option("--redis", "redis_url", **REDIS_OPTION)
@common_options
def status(paths: Paths, as_json: bool, redis_url: str | None) -> None:
    """What the scheduler is doing, per source.

    Last discovery and its outcome, articles by status, re-checks due now, checks, changes and
    the error rate of the last 24 hours, the daemon's next runs (while one runs), and a warning
    when a source's extraction degraded (the site's markup changed, not its articles).
    """
    from scheduler.status import status_report

    config = load_config(paths.sources)
    report = status_report(paths.db, config)
    if redis_url or config.redis:  # Queue depths, live workers, ingest lag
        report["distributed"] = _redis_status(redis_url or config.redis)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    daemon = report["daemon"]
    click.echo(f"daemon: {'running, pid ' + str(daemon['pid']) if daemon['running'] else 'not running'}"
               f" · due now {report['due_now']} · next re-check {report['next_recheck_at'] or '-'}")
    for s in report["sources"]:
        last = s["last_discovery"] or {}
        rate = "-" if s["error_rate"] is None else f"{s['error_rate']:.0%}"
        click.echo(f"{s['source']}: {s['tracked']} tracked ("
                   + ", ".join(f"{k} {v}" for k, v in sorted(s["articles"].items())) + ")"
                   f" · due {s['due_now']} · 24h: {s['checks_24h']} checks, {s['changes_24h']} "
                   f"changes, errors {rate}\n    last discovery {last.get('started_at') or 'never'}"
                   f" {last.get('status') or ''} · next {s['next_discovery_at'] or '-'}")
        if s["errors_24h"]:
            click.echo("    failed 24h: " + ", ".join(f"{k} {v}" for k, v in s["failed_by_outcome_24h"].items())
                       + " (`newswatch errors` lists them)")
        if s["no_longer_checked"]:
            click.echo(f"    no longer checked: {s['no_longer_checked']} (older than the last tier; "
                       "add a longer tier in [settings] tiers to keep checking them)")
        if s["extraction"]["warning"]:
            click.echo(f"    WARNING {s['extraction']['warning']}")
    queue = {k: v for k, v in (report["save_page_now"] or {}).items() if v}
    if queue:
        click.echo("save page now: " + " · ".join(f"{k} {v}" for k, v in queue.items())
                   + " (`newswatch save-page-now --list` shows the queue)")
    if "distributed" in report:
        d = report["distributed"]
        click.echo("redis: queues " + " · ".join(f"{k} {v}" for k, v in d["queues"].items())
                   + f" · workers {len(d['workers'])} · ingest lag {d['ingest_lag_seconds']}s"
                   + f" (last batch {d['ingest'].get('last_batch_at') or 'never'})")
        for w in d["workers"]:
            click.echo(f"    worker {w['worker']} seen {w['seen_at']} · pushed {w['pushed']}")


# -- what is tracked: add, remove, sources ------------------------------------------------------
EXIT_NOTHING = 1  # `add`: the URL answered nothing an article or a source can be made of


@cli.command()
@click.argument("url")
@click.option("--name", default=None, metavar="NAME",
              help="Name of the source (default: the site's host, e.g. example-news-com).")
@click.option("--article", "kind", flag_value="article", default=None,
              help="Track the URL as one article, whatever its page says.")
@click.option("--site", "kind", flag_value="site", help="Propose a [[source]] for the URL's site.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="What was done (or proposed) as one JSON object.")
@common_options
def add(paths: Paths, url: str, name: str | None, kind: str | None, dry_run: bool, as_json: bool) -> None:
    """Watch an article or a site, from its URL.

    An article page (og:type article, JSON-LD NewsArticle/Article/BlogPosting, or a headline
    and a body of real length) is fetched and stored now as version 1, then re-checked like
    any article, in a source named for its site. A home or section page is examined: its
    feeds, sitemaps (news sitemaps first), domains and an article pattern make a [[source]]
    appended to the sources file (comments kept); `newswatch crawl --source NAME` then runs.
    """
    from crawler.examine import NothingUseful, examine

    config = load_config(paths.sources) if paths.sources.exists() else None
    if kind != "site" and (done := _already_tracked(paths, url.strip())) is not None:
        return _report(done, as_json)
    # Pasted without its scheme: https first, then http (as `lookup_forms` spells it).
    bare = url.strip().removeprefix("//")
    tries = [url.strip()] if "://" in url else [f"https://{bare}", f"http://{bare}"]
    for attempt in tries:
        try:
            found = examine(attempt, user_agent=(config or Config).user_agent,
                            timeout=(config or Config).download_timeout, kind=kind)
            break
        except NothingUseful as exc:
            failure = exc
    else:
        click.echo(f"error: {failure}", err=True)
        raise SystemExit(EXIT_NOTHING) from None
    if found.kind == "article":
        done = _already_tracked(paths, found.url) or _add_article(paths, config, found, name, dry_run)
    else:
        done = _add_site(paths, config, found, name, dry_run)
    _report(done, as_json)


def _already_tracked(paths: Paths, url: str) -> dict | None:
    if not paths.db.exists():
        return None
    try:
        article = find_article(open_db(paths.db, readonly=True), url)
    except queries.ArticleNotFound:
        return None
    if article.get("status") == "untracked":
        return None  # removed before: `add` tracks it again
    return {"action": "already tracked", "kind": "article", "url": article["url"],
            "source": article["source"], "versions": article["version_count"],
            "message": f"already tracked: {article['url']} ({article['source']}, "
                       f"{article['version_count']} version(s))"}


def _untracked(paths: Paths, url: str) -> bool:
    try:
        return find_article(open_db(paths.db, readonly=True), url).get("status") == "untracked"
    except queries.ArticleNotFound:
        return False


def _source_for(config, url: str, name: str | None):
    """The source an added article joins: --name, else one whose domains cover it, else a new one."""
    from crawler.examine import source_name_for
    from urllib.parse import urlsplit

    sources = config.sources if config else ()
    if name:
        return next((s for s in sources if s.name == name), None), name
    host = urlsplit(url).hostname or ""
    covering = next((s for s in sources if s.allowed_domains and s.on_allowed_domain(host)), None)
    return covering, covering.name if covering else _free_name(sources, source_name_for(url))


def _free_name(sources, name: str) -> str:
    taken, candidate, n = {s.name for s in sources}, name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _add_article(paths: Paths, config, found, name: str | None, dry_run: bool) -> dict:
    from crawler.examine import article_source
    from crawler.sourcesfile import append_source, preview

    source, name = _source_for(config, found.url, name)
    values = None if source else article_source(found.url, name)
    done = {"action": "would track" if dry_run else "tracked", "kind": "article", "url": found.url,
            "why": found.why, "source": name, "source_created": values is not None,
            "title": found.title}
    if dry_run:
        done["message"] = (f"would track {found.url} ({found.why}) in source {name!r}"
                           + (f", adding to {paths.sources}:\n{preview(values)}" if values else ""))
        return done
    if values is not None:
        append_source(paths.sources, values)
    again = paths.db.exists() and _untracked(paths, found.url)  # `remove`d before: its history stays
    _run_crawl(paths, "track", (name,), urls=(found.url,))
    db = open_db(paths.db, readonly=True)
    try:
        article = find_article(db, found.url)
    except queries.ArticleNotFound:
        check = queries.last_check(db, found.url)
        raise click.ClickException(f"{found.url} was fetched but no article was stored: "
                                   f"{check.get('error') or check.get('outcome') or 'no check'} "
                                   "(`newswatch errors` lists it)") from None
    done.update(url=article["url"], title=article["title"], versions=article["version_count"],
                next_check_at=article["next_check_at"])
    stored = (f"tracked again, {article['version_count']} version(s) kept" if again else
              f"version {article['version_count']} stored")
    done["message"] = (f"tracking {article['url']} ({found.why}) in source {name!r}"
                       f"{' (new in ' + str(paths.sources) + ')' if values else ''}: {stored}, "
                       f"“{article['title']}”; next check {article['next_check_at'] or '-'}")
    return done


def _add_site(paths: Paths, config, found, name: str | None, dry_run: bool) -> dict:
    from crawler.examine import proposal, source_name_for
    from crawler.sourcesfile import append_source, extend_source, preview

    sources = config.sources if config else ()
    same = next((s for s in sources if found.url in s.start_urls or (s.feeds or s.sitemaps or s.start_urls)
                 and set(found.allowed_domains) <= set(s.allowed_domains)), None)
    if same is not None and (name is None or name == same.name):
        return {"action": "already a source", "kind": "site", "url": found.url, "source": same.name,
                "message": f"already in {paths.sources} as source {same.name!r}; "
                           f"crawl it with: newswatch crawl --source {same.name}"}
    name = name or source_name_for(found.url)
    existing = next((s for s in sources if s.name == name), None)
    if existing is not None and (existing.feeds or existing.sitemaps or existing.start_urls):
        name, existing = _free_name(sources, name), None
    values, comments = proposal(found, name)
    text = preview(values, comments)
    action = "extend" if existing else "add"
    done = {"action": f"would {action}" if dry_run else f"{action}ed", "kind": "site",
            "url": found.url, "source": name, "feeds": found.feeds, "sitemaps": found.sitemaps,
            "news_sitemaps": found.news_sitemaps, "start_urls": found.start_urls,
            "allowed_domains": found.allowed_domains, "article_links": found.article_links,
            "article_pattern_suggested": found.pattern, "pattern_why": found.pattern_why, "toml": text}
    if not dry_run:
        if existing:  # an articles-only source of this site (an article was added first)
            extend_source(paths.sources, name, values, comments)
        else:
            append_source(paths.sources, values, comments)
    verb = f"would {action} source {name!r} in" if dry_run else f"{action}ed source {name!r} in"
    hint = (f"\nthe suggested article_pattern is commented out: {found.pattern_why}; remove the '# ' "
            "to apply it" if found.pattern else "")
    done["message"] = (f"{verb} {paths.sources}:\n{text.rstrip()}{hint}\n"
                       f"{'then' if dry_run else 'now'}: newswatch crawl --source {name}")
    return done


def _report(done: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({k: v for k, v in done.items() if k != "message"}, ensure_ascii=False))
    else:
        click.echo(done["message"])


@cli.command()
@click.argument("target", metavar="NAME|URL")
@click.option("--purge", is_flag=True, help="Delete the article(s) and all their history too.")
@click.option("--yes", is_flag=True, help="With --purge: do not ask for confirmation.")
@common_options
def remove(paths: Paths, target: str, purge: bool, yes: bool) -> None:
    """Stop tracking a source (by name) or one article (by URL).

    A source leaves the sources file (comments kept) and its articles are no longer re-checked;
    an article is no longer re-checked. Their history stays (status `untracked`, with an
    event), unless --purge deletes it, after a confirmation, in one transaction.
    """
    from crawler.sourcesfile import remove_source
    from db import tracking

    config = load_config(paths.sources) if paths.sources.exists() else None
    by_name = config is not None and any(s.name == target for s in config.sources)
    db = open_db(paths.db) if paths.db.exists() or by_name else None
    if by_name:
        ids = tracking.source_article_ids(db, target)
        what = f"source {target!r} ({len(ids)} article(s))"
    elif db is None:
        raise UsageProblem(f"no source named {target!r} in {paths.sources} and no database at {paths.db}")
    else:
        article = _find_for_remove(db, target, config)
        ids, what = [article["id"]], f"article {article['url']}"
    if purge and not yes:
        click.confirm(f"delete {what} and all its history from {paths.db}?", abort=True)
    if by_name:
        remove_source(paths.sources, target)
    now = datetime.now(timezone.utc)
    if purge:
        deleted = tracking.purge(db, ids)
        click.echo(f"removed {what}; deleted " + (", ".join(f"{n} {t}" for t, n in sorted(deleted.items()))
                                                 or "nothing"))
        return
    detail = (f"source {target!r} removed from the sources file by the user" if by_name
              else "removed by the user with newswatch remove")
    changed = tracking.untrack(db, ids, now, detail)
    click.echo(f"removed {what}: {changed} article(s) no longer re-checked; their history stays "
               f"(status untracked; --purge deletes it)")


def _find_for_remove(db, target: str, config) -> dict:
    try:
        return find_article(db, target)
    except queries.ArticleNotFound as exc:
        known = ", ".join(s.name for s in config.sources) if config else "none"
        raise UsageProblem(f"{exc}; nor is it a source name (sources: {known})") from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source, one per line.")
@common_options
def sources(paths: Paths, as_json: bool) -> None:
    """List the sources in the sources file, with their articles, versions and last discovery."""
    from db import tracking

    config = load_config(paths.sources)
    db = open_db(paths.db, readonly=True) if paths.db.exists() else None
    rows = []
    for source in config.sources:
        counts = tracking.source_counts(db, source.name) if db is not None else \
            {"articles": 0, "tracked": 0, "by_status": {}, "versions": 0, "last_discovery": None}
        rows.append({"source": source.name, "feeds": len(source.feeds), "sitemaps": len(source.sitemaps),
                     "start_urls": len(source.start_urls),
                     "articles_only": not (source.feeds or source.sitemaps or source.start_urls),
                     **counts})
    if as_json:
        echo_json_lines(rows)
        return
    for row in rows:
        finds = ("articles added one by one" if row["articles_only"] else
                 f"{row['feeds']} feed(s), {row['sitemaps']} sitemap(s), {row['start_urls']} start URL(s)")
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(row["by_status"].items()))
        click.echo(f"{row['source']}: {finds} · {row['articles']} article(s)"
                   f"{' (' + statuses + ')' if statuses else ''} · {row['versions']} version(s) · "
                   f"last discovery {row['last_discovery'] or 'never'}")
    if not rows:
        click.echo(f"no sources in {paths.sources} (add one: newswatch add URL)", err=True)


# -- queries ----------------------------------------------------------------------------------
def parse_since(text: str | None) -> datetime | None:
    """'24h', '7d', '90m' back from now, or an ISO date/time; None for 'all' (everything)."""
    if text is None or text == "all":
        return None
    try:
        return datetime.now(timezone.utc) - timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    moment = parse_iso(text)
    if moment is None:
        raise click.BadParameter(f"{text!r} is neither a duration (24h, 7d) nor an ISO date "
                                 "(2026-11-27 or 2026-11-27T09:00+01:00)")
    return moment


@cli.command()
@click.option("--since", default="24h", show_default=True,
              help="How far back: a duration (90m, 24h, 7d) or an ISO date/time; 'all' for everything.")
@click.option("--until", default=None, help="Only edits before this (a duration back from now, or an ISO date).")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--field", "fields", multiple=True, type=click.Choice(sorted(queries.FIELD_FILTERS)),
              help="Only edits that changed this field (repeatable: any of them).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(list(queries.KIND_FILTERS)),
              help="Only edits of this kind (repeatable: any of them); see docs/changes.md.")
@click.option("--no-minor", is_flag=True, help="Skip edits that only touch punctuation, case or whitespace.")
@click.option("--limit", default=100, show_default=True, help="At most this many edits.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per edit, one per line.")
@common_options
def changes(paths: Paths, since: str, until: str | None, source: str | None, fields: tuple[str, ...],
            kinds: tuple[str, ...], no_minor: bool, limit: int, as_json: bool) -> None:
    """List edits: every new version of an already-known article, newest first, with its labels."""
    from newswatch import render

    db = open_db(paths.db, readonly=True)
    rows = queries.changes_and_live_since(db, parse_since(since),
                                          source=source, limit=limit, until=parse_since(until),
                                          fields=fields, kinds=kinds, no_minor=no_minor)
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo(f"no edits since {since}", err=True)
        return
    for row in render.printable(rows):
        if row.get("kind") in queries.LIVE_KINDS:
            click.echo(render.live_change_line(row))
            continue
        changed = ",".join(f for f in ("title", "byline", "body", "published") if row[f"{f}_changed"])
        click.echo(f"{row['captured_at']}  v{row['version']}  +{row['words_added']}/-{row['words_removed']}"
                   f"  [{changed}]  {row['title']}\n    {row['url']}  ({', '.join(render.labels(row))})")


@cli.command()
@click.option("--since", default="7d", show_default=True,
              help="How far back: a duration (24h, 7d) or an ISO date/time; 'all' for everything.")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--kind", type=click.Choice(["status", "url_changed"]), default=None,
              help="Only status changes (live/gone/restored/error/blocked/suspect) or URL changes.")
@click.option("--limit", default=200, show_default=True, help="At most this many events.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event, one per line.")
@common_options
def events(paths: Paths, since: str, source: str | None, kind: str | None, limit: int,
           as_json: bool) -> None:
    """List what happened to articles: gone, restored, failing, blocked (paywall, consent wall,
    bot check), suspect, moved to a new URL."""
    db = open_db(paths.db, readonly=True)
    rows = queries.events_since(db, parse_since(since), source=source,
                                kind=kind, limit=limit)
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo(f"no events since {since}", err=True)
    from newswatch.render import printable

    for row in printable(rows):
        detail = f"  ({row['detail']})" if row["detail"] else ""
        click.echo(f"{row['at']}  {row['kind']:11} {row['old'] or '-'} → {row['new']}{detail}\n"
                   f"    {row['url']}")


@cli.command()
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--status", default=None, metavar="STATUS",
              type=click.Choice(["live", "gone", "restored", "error", "blocked", "suspect", "untracked"]),
              help="Only articles with this status.")
@click.option("--limit", default=None, type=click.IntRange(1), help="At most this many articles.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article, one per line.")
@common_options
def articles(paths: Paths, source: str | None, status: str | None, limit: int | None,
             as_json: bool) -> None:
    """List the tracked articles: URL, headline, versions, status, last and next check.

    Newest first. Any URL shown here (or an alias, an old slug, the URL with tracking
    parameters or without its scheme) is accepted by history, show, diff and recheck.
    """
    rows = queries.list_articles(open_db(paths.db, readonly=True), source=source, status=status,
                                 limit=limit)
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo("no tracked articles" + (" matching the filters" if source or status else
                                            " yet (run `newswatch crawl`)"), err=True)
    from newswatch.render import printable

    for row in printable(rows):
        status_text = row["status"] + (f" ({row['status_detail']})" if row["status"] not in
                                       ("live", "restored") and row["status_detail"] else "")
        click.echo(f"{row['title'] or '(no headline)'}\n    {row['url']}\n    {row['versions']} "
                   f"version(s) · {status_text} · last checked {row['last_checked'] or 'never'} · "
                   f"next check {row['next_check_at'] or 'none scheduled'}")


@cli.command()
@click.option("--since", default="7d", show_default=True,
              help="How far back: a duration (24h, 7d) or an ISO date/time; 'all' for everything.")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--limit", default=100, show_default=True, help="At most this many URLs.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per URL, one per line.")
@common_options
def errors(paths: Paths, since: str, source: str | None, limit: int, as_json: bool) -> None:
    """List the URLs that failed: not found, blocked by a wall, held back, or errors, with the
    reason of the last failure and how often it happened (from the checks table)."""
    rows = queries.failing_urls(open_db(paths.db, readonly=True),
                                parse_since(since), source=source, limit=limit)
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo(f"no failed checks since {since}", err=True)
    from newswatch.render import printable

    for row in printable(rows):  # an error may quote what a server sent (a Location header)
        what = "tracked" if row["article_id"] else "never stored"
        click.echo(f"{row['last_at']}  {row['last_outcome']:8} x{row['failures']}  {row['url']}\n"
                   f"    {row['last_error'] or '(no reason recorded)'} · {what}"
                   + (f", status {row['status']}" if row["status"] else ""))


@cli.command()
@click.option("--since", default="24h", show_default=True,
              help="How far back: a duration (24h, 7d) or an ISO date/time; 'all' for everything.")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--limit", default=10, show_default=True, help="Articles shown per front.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per front, one per line.")
@common_options
def fronts(paths: Paths, since: str, source: str | None, limit: int, as_json: bool) -> None:
    """What each front page showed: the articles that led it, when each article entered and
    left the front, its best rank and under how many link texts it was shown.

    Fronts are a source's start_urls (or its `fronts`), read at every discovery.
    """
    from db.fronts import fronts_summary

    rows = fronts_summary(open_db(paths.db, readonly=True), parse_since(since),
                          source=source, limit=limit)
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo(f"no front page readings since {since} (fronts are read at discovery: "
                   "`newswatch crawl`)", err=True)
    for front in rows:
        click.echo(f"{front['front']}  ({front['source']}: {front['readings']} readings, "
                   f"{front['first_reading']} – {front['last_reading']})")
        for lead in front["leaders"]:
            click.echo(f"  led {lead['first_seen']} – {lead['last_seen']}: {lead['link_text']}")
        for a in front["articles"]:
            where = "still there" if a["still_there"] else f"left after {a['last_seen']}"
            texts = f" · {a['link_texts']} link texts" if a["link_texts"] > 1 else ""
            click.echo(f"  #{a['best_rank']:<3} from {a['entered']}, {where}{texts}\n"
                       f"       {a['headline'] or '(not tracked yet)'}  {a['url']}")


@cli.command()
@click.option("--kind", type=click.Choice(["test", "front-only", "decided"]), default=None,
              help="test: link texts alternating (A/B); front-only: shown under a text that is "
                   "not the headline; decided: the headline became a text first seen on a front.")
@click.option("--since", default="7d", show_default=True,
              help="How far back: a duration (24h, 7d) or an ISO date/time; 'all' for everything.")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding, one per line.")
@common_options
def headlines(paths: Paths, kind: str | None, since: str, source: str | None, as_json: bool) -> None:
    """Headline tests seen on front pages: A/B tests, front-only headlines, decided tests."""
    from db.fronts import headline_tests

    rows = headline_tests(open_db(paths.db, readonly=True), parse_since(since),
                          kind=kind, source=source)
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo(f"no headline tests seen since {since}", err=True)
    for row in rows:
        click.echo(f"{row['kind']:10} {row['url']}\n    headline: {row['headline'] or '(not tracked yet)'}")
        if row["kind"] == "test":
            for v in row["variants"]:
                click.echo(f"    variant: {v['text']}  (seen {v['first_seen']} – {v['last_seen']}, "
                           f"{v['runs']} time(s))")
        elif row["kind"] == "front-only":
            click.echo(f"    on {row['front']}: {row['link_text']}")
        else:
            click.echo(f"    was: {row['previous_headline']} · first on {row['front']} at {row['first_seen']}, "
                       f"headline since v{row['version']} ({row['last_seen']})")


@cli.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="The article and its versions as JSON.")
@common_options
def history(paths: Paths, url: str, as_json: bool) -> None:
    """Show an article's versions and its recent checks."""
    article = queries.article_history(open_db(paths.db, readonly=True), url, *lookup_forms(url))
    if as_json:
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    from newswatch import render
    from newswatch.render import printable

    article = printable(article)
    click.echo(f"{article['title']}\n{article['url']}\nstatus {article['status']} · first seen "
               f"{article['first_seen']} · last checked {article['last_checked']} · next check "
               f"{article['next_check_at'] or 'never'}")
    for v in article["versions"]:
        fields = ",".join(f for f in ("title", "byline", "body", "captions") if v.get(f"{f}_changed"))
        delta = f"+{v['words_added']}/-{v['words_removed']} [{fields}]" if v["version"] > 1 else "first seen"
        origin = f"  (archive: {v['archive_url']})" if v.get("origin") == "archive" else ""
        click.echo(f"  v{v['version']}  {v['captured_at']}  {delta}  {v['title']}{origin}")
    if article["placements"]:
        click.echo("on front pages:")
    for p in article["placements"]:
        until = "now" if p["open"] else p["last_seen"]
        click.echo(f"  {p['first_seen']} – {until}  #{p['best_rank']} ({p['rank_band']}) {p['front']}"
                   f"{' · ' + p['section'] if p['section'] else ''}\n      “{p['link_text']}”")
    if article.get("live"):
        click.echo(render.live_stream_text(article["live"]))
    if article["checks"]:
        click.echo("recent checks:")
    for check in article["checks"]:
        status = f"HTTP {check['http_status']}" if check["http_status"] else "no answer"
        reason = f"  {check['error']}" if check["error"] else ""
        click.echo(f"  {check['checked_at']}  {check['outcome']:13} {status}{reason}")


@cli.command()
@click.argument("url")
@click.option("--version", "number", type=int, default=None, help="Version number (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="The version as JSON.")
@common_options
def show(paths: Paths, url: str, number: int | None, as_json: bool) -> None:
    """Print one version of an article: headline, byline, dates and body."""
    version = queries.get_version(open_db(paths.db, readonly=True), url, number, tuple(lookup_forms(url)))
    if as_json:
        click.echo(json.dumps(version, ensure_ascii=False, indent=2))
        return
    from newswatch.render import printable

    version = printable(version)
    byline = f"By {version['byline']} · " if version["byline"] else ""
    click.echo(f"{version['title']}\n{byline}published {version['published'] or 'unknown'} · "
               f"version {version['version']} captured {version['captured_at']}\n\n{version['body']}")
    if version.get("captions"):
        click.echo("\nCaptions:\n" + version["captions"])


@cli.command()
@click.argument("url")
@click.argument("a", type=int, required=False)
@click.argument("b", type=int, required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "unified"]), default="text",
              show_default=True, help="Sentence-aligned text, JSON or an HTML page; or a plain unified diff.")
@click.option("--color/--no-color", default=None, help="Coloured word diff (default: when stdout is a terminal).")
@click.option("--against-archive", "against", is_flag=False, flag_value="now", default=None, metavar="[WHEN]",
              help="Compare our current version with a web archive's capture nearest WHEN (default now: "
                   "20261101, 2026-11-01 or 7d); nothing is stored.")
@click.option("--archive", "archives", multiple=True, metavar="URL", help=ARCHIVE_HELP)
@common_options
def diff(paths: Paths, url: str, a: int | None, b: int | None, fmt: str, color: bool | None,
         against: str | None, archives: tuple[str, ...]) -> None:
    """Show how an article changed between versions A and B (default: the last two).

    Sentence by sentence: added (+), deleted (-), rewritten (~, with the word changes inline)
    and moved (>) sentences, changed headline / byline / date, and any correction or update
    notice. Removed words are red and added ones green on a terminal, [-so-] {+so+} otherwise.
    --format unified gives the plain line diff of earlier versions, for patch-minded tools.
    """
    from db import textdiff
    from db.changes import compare
    from newswatch import render

    if against is not None and (a is not None or b is not None):
        raise UsageProblem("--against-archive compares the current version with the archive: "
                           "give no version numbers")
    if against is not None:
        old, new = (render.printable(v) for v in _diff_against_archive(paths, url, against, archives))
    else:
        db = open_db(paths.db, readonly=True)
        old, new = (render.printable(v) for v in queries.version_pair(db, url, a, b, also=lookup_forms(url)))
    url, a, b = old["url"], old["version"], new["version"]
    if color is None:
        color = sys.stdout.isatty()
    if fmt == "unified":
        click.echo(textdiff.unified(old, new) or "(no difference)", color=color)
        return
    record = compare(old, new)
    if fmt in ("json", "html"):
        click.echo((render.diff_json if fmt == "json" else render.diff_html)(url, old, new, record))
        return
    click.echo(click.style(f"{url}: version {a} → {b}", bold=True) if color else f"{url}: version {a} → {b}")
    click.echo(render.diff_text(record, _style if color else render.plain)
               or "(no difference)", color=color)


def _style(op: str, text: str) -> str:
    if op == "-":
        return click.style(text, fg="red", strikethrough=True)
    if op == "+":
        return click.style(text, fg="green", underline=True)
    return text


@cli.command()
@click.argument("query")
@click.option("--current-only", is_flag=True, help="Only the versions readers see now (each article's latest).")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--limit", default=20, show_default=True, help="At most this many versions.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per version, one per line.")
@common_options
def search(paths: Paths, query: str, current_only: bool, source: str | None, limit: int,
           as_json: bool) -> None:
    """Full-text search over every version's headline and body, best match first.

    QUERY is SQLite FTS5 syntax: words, "a phrase", AND / OR / NOT, prefix*. Text that is not
    valid FTS5 is searched as plain words.
    """
    try:
        rows = queries.search_versions(open_db(paths.db, readonly=True), query,
                                       current_only=current_only, source=source, limit=limit)
    except queries.BadSearch as exc:
        raise UsageProblem(str(exc)) from None
    if as_json:
        echo_json_lines(rows)
        return
    if not rows:
        click.echo(f"no version matches {query!r}", err=True)
    from newswatch.render import printable

    for row in printable(rows):
        now = "current" if row["is_current"] else "earlier"
        click.echo(f"{row['captured_at']}  v{row['version']} ({now})  {row['title']}\n    {row['url']}\n"
                   f"    {' '.join(row['snippet'].split())}")


@cli.command()
@click.argument("url", required=False)
@click.option("--what", type=click.Choice(sorted(queries.EXPORTS)), default="changes", show_default=True,
              help="Which rows: tracked articles, every version (with its text) or every edit.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc", "wacz"]), default="jsonl",
              show_default=True, help="warc / wacz: the WARC captures of the versions (needs -o).")
@click.option("--since", default=None, help="Only rows from this time on (a duration or an ISO date).")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of stdout.")
@common_options
def export(paths: Paths, url: str | None, what: str, fmt: str, since: str | None, source: str | None,
           output: str | None) -> None:
    """Export articles, versions or changes as JSON Lines or CSV (oldest first), or the WARC
    captures of versions (of a source, a time range, or the article at URL) as WARC or WACZ."""
    from newswatch import render

    if fmt in ("warc", "wacz"):
        return _export_captures(paths, url, fmt, parse_since(since), source, output)
    if url is not None:
        raise UsageProblem("a URL selects captures: use it with --format warc or wacz")
    rows = queries.export_rows(open_db(paths.db, readonly=True), what, since=parse_since(since),
                               source=source)
    with output_file(output, "w") as out:
        count = render.write_rows(rows, fmt, out)
    click.echo(f"{count} {what} exported", err=True)


def _export_captures(paths: Paths, url: str | None, fmt: str, since: datetime | None,
                     source: str | None, output: str | None) -> None:
    from crawler.archive import ExportFailed, archive_folder, export_captures
    from db.archives import selected_captures

    if output is None:
        raise UsageProblem(f"--format {fmt} writes a file: add -o FILE (e.g. -o captures.{fmt})")
    db = open_db(paths.db, readonly=True)
    article_id = find_article(db, url)["id"] if url else None
    rows = selected_captures(db, source=source, since=since, article_id=article_id)
    try:
        count = export_captures(archive_folder(paths.db), rows, output, fmt)
    except (ExportFailed, OSError) as exc:
        raise UsageProblem(str(exc)) from None
    click.echo(f"{count} captures exported to {output}", err=True)


@cli.command()
@click.argument("url")
@click.option("--version", "number", type=int, default=None, help="Version number (default: every version).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per version.")
@common_options
def archive(paths: Paths, url: str, number: int | None, as_json: bool) -> None:
    """Where the WARC capture of each version of URL is: file, offset, target URI and date.

    Versions are captured when the sources file sets archive = "warc" (docs/archives.md)."""
    from crawler.archive import Capture, archive_folder, read_response
    from db.archives import captures_of

    db = open_db(paths.db, readonly=True)
    article = find_article(db, url)
    rows = captures_of(db, article["id"])
    if number is not None:
        if not any(r["version"] == number for r in rows):
            raise queries.VersionNotFound(article["url"], number, len(rows))
        rows = [r for r in rows if r["version"] == number]
    folder = archive_folder(paths.db)
    from db.render import screenshots_of

    shots = screenshots_of(db, [r["id"] for r in rows])  # rendered versions' PNGs (docs/rendering.md)
    for row in rows:
        out = {"url": article["url"], "version": row["version"], "file": None, "offset": None}
        shot = str(folder / shots[row["id"]]) if row["id"] in shots else None
        if shot is not None:
            out["screenshot"] = shot
        if row["warc_file"] is not None:
            try:
                record = read_response(folder, Capture(row["warc_file"], row["warc_offset"],
                                                       row["warc_length"]))
            except (OSError, ValueError) as exc:
                raise UsageProblem(f"v{row['version']}: its capture in {folder / row['warc_file']} "
                                   f"cannot be read ({exc}); the WARC files belong in the archive/ "
                                   "folder beside the database") from None
            out.update(file=str(folder / row["warc_file"]), offset=row["warc_offset"],
                       target_uri=record["target_uri"], date=record["date"])
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False))
        elif out["file"] is None:
            click.echo(f"v{row['version']}  not captured" + (f"  screenshot {shot}" if shot else ""))
        else:
            click.echo(f"v{row['version']}  {out['file']}  offset {out['offset']}  "
                       f"{out['target_uri']}  {out['date']}" + (f"  screenshot {shot}" if shot else ""))


@cli.command()
@click.option("--source", default=None, metavar="NAME", help="Only this source (default: all).")
@click.option("--since", default="7d", show_default=True, help="How far back (a duration or an ISO date).")
@click.option("--limit", default=50, show_default=True, help="At most this many entries.")
@click.option("--no-minor", is_flag=True, help="Leave out punctuation-, case- or whitespace-only edits.")
@click.option("--self-url", default=None, metavar="URL", help="Where the feed will be published (rel=self).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of stdout.")
@common_options
def feed(paths: Paths, source: str | None, since: str, limit: int, no_minor: bool,
         self_url: str | None, output: str | None) -> None:
    """Write an Atom feed of recent edits (one entry per new version) for feed readers."""
    from newswatch import render

    db = open_db(paths.db, readonly=True)
    rows = queries.changes_since(db, parse_since(since), source=source,
                                 limit=limit, no_minor=no_minor)
    details = queries.change_details(db, [r["version_id"] for r in rows])
    public_url = load_config(paths.sources).public_url if paths.sources.exists() else None
    xml = render.atom_feed(rows, title=f"newswatch: edits{f' ({source})' if source else ''}",
                           feed_id=f"urn:newswatch:changes{f':{source}' if source else ''}",
                           self_url=self_url, details=details, public_url=public_url)
    with output_file(output, "wb") as out:
        out.write(xml)


@cli.command()
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@common_options
def reclean(paths: Paths, source: str | None, as_json: bool) -> None:
    """Re-clean stored HTML with the current cleaner and rebuild versions that come out different.

    Needs the raw HTML of every version of an article ([settings] keep_html = true, or its WARC
    capture with archive = "warc", when it was crawled); other articles are skipped. An article whose re-cleaned versions equal its stored
    ones is left alone; otherwise its old versions move to `versions_superseded` (keeping their
    cleaner_version) and the re-cleaned ones replace them.
    """
    from crawler.archive import archive_folder
    from crawler.reclean import reclean_db

    config = load_config(paths.sources) if paths.sources.exists() else None
    report = reclean_db(open_db(paths.db), config=config, source=source,
                        archive=archive_folder(paths.db))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in report.items()))


@cli.command()
@click.option("--fix-false-versions", "fix", is_flag=True,
              help="Take the false versions found out of the history (prints them first).")
@click.option("--dry-run", is_flag=True, help="With --fix-false-versions: print, change nothing.")
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding, then a summary.")
@common_options
def doctor(paths: Paths, fix: bool, dry_run: bool, source: str | None, as_json: bool) -> None:
    """Find stored versions that were never the article: error pages, paywalls, consent walls
    and bot checks that an older rule stored as versions.

    Without options it only reports. --fix-false-versions moves each false version to
    `versions_superseded` with its reason, drops a good version that merely repeats the one
    before it once the false ones are gone, renumbers the rest and recomputes their change
    records, one transaction per article. Run it with --dry-run first.
    """
    from crawler.doctor import false_versions, fix_false_versions

    db = open_db(paths.db, readonly=not fix or dry_run)
    findings = list(false_versions(db, source))
    for finding in findings:
        click.echo(json.dumps({"url": finding.url, "version": finding.version,
                               "status": finding.false.status, "reason": finding.false.reason},
                              ensure_ascii=False) if as_json else finding.line())
    articles = len({f.article_id for f in findings})
    if not fix or dry_run or not findings:
        verb = "would remove" if fix else "found"
        summary = {"false_versions": len(findings), "articles": articles, "changed": False}
        click.echo(json.dumps(summary) if as_json else
                   f"{verb} {len(findings)} false version(s) in {articles} article(s)"
                   + ("" if fix or not findings else "; run with --fix-false-versions --dry-run, "
                      "then --fix-false-versions"))
        return
    totals = fix_false_versions(db, findings)
    click.echo(json.dumps({**totals, "changed": True}) if as_json else
               f"removed {totals['removed']} false version(s) and {totals['merged']} repeat(s) "
               f"in {totals['articles']} article(s); the rows are in versions_superseded")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--public-url", default=None, metavar="URL",
              help="Where readers reach this server, e.g. https://news.example.org (links in "
                   "notifications use [settings] public_url; default: that).")
@common_options
def serve(paths: Paths, host: str, port: int, public_url: str | None) -> None:
    """Browse the database in Datasette, read-only, with a diff page for every edit.

    Titles and descriptions for every table and view, full-text search on versions, canned
    queries (recent changes, headline changes, corrections, most edited, gone articles, a
    source's activity), an article's timeline at /-/newswatch/article/ID and the side-by-side
    diff of any two versions at /-/newswatch/diff/ID?a=N&b=M.
    """
    from newswatch.serve import network_warning, serve_database

    if network_warning(host):
        click.echo(network_warning(host), err=True)
    open_db(paths.db, readonly=True).close()  # a newswatch database (migrated), or exit code 2
    configured = load_config(paths.sources).public_url if paths.sources.exists() else None
    if public_url and public_url.rstrip("/") != configured:
        click.echo(f"note: notifications link to [settings] public_url ({configured or 'not set'}); "
                   f"set it to {public_url} in {paths.sources} for links to this server", err=True)
    serve_database(paths.db, host=host, port=port, public_url=public_url or configured, echo=click.echo)


@cli.command()
@click.option("--articles", default=24, show_default=True, help="Articles on the demo site.")
@click.option("--edits", default=3, show_default=True, help="Articles edited between the two crawls.")
@common_options
def demo(paths: Paths, articles: int, edits: int) -> None:
    """Run the whole pipeline on a bundled demo site (local, 127.0.0.1).

    Starts the demo news site, crawls it into the database (--db; a fresh file: an existing
    demo database is replaced, any other database is refused), edits a few articles and churns
    every page's chrome, re-checks, then prints the changes and one diff.
    """
    from newswatch.demo import run_demo

    run_demo(paths.db, articles=articles, edits=edits, echo=click.echo)


# -- web archives -------------------------------------------------------------------------------


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Only this source's articles.")
@click.option("--since", default=None, metavar="WHEN",
              help="Only captures since then: a duration back from now (30d) or an ISO date [default: all].")
@click.option("--archive", "archives", multiple=True, metavar="URL", help=ARCHIVE_HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@common_options
def backfill(paths: Paths, urls: tuple[str, ...], source_names: tuple[str, ...], since: str | None,
             archives: tuple[str, ...], as_json: bool) -> None:
    """Fill articles' history from a web archive's captures from before we first fetched them.

    Asks each archive's CDX API for the captures of each tracked article (these URLs, else the
    articles of --source, else all), fetches each capture with a new digest as it was served,
    cleans it like our own fetches and stores the distinct versions before our first one, marked
    origin 'archive'. Error pages and walls in the archive are never versions; running it again
    adds nothing new. One request at a time per archive, [settings] archive_requests_per_second.
    """
    from crawler.wayback import backfill_article, clients

    config = load_config(paths.sources) if paths.sources.exists() else Config(path=paths.sources)
    db = open_db(paths.db)
    articles = [find_article(db, url) for url in urls] if urls else queries.articles_of(db, source_names)
    archive_clients, start = clients(config, archives), parse_since(since)
    failed = 0
    for article in articles:
        report = backfill_article(db, article, archive_clients, config, since=start)
        failed += bool(report.errors)
        click.echo(json.dumps(vars(report), ensure_ascii=False) if as_json else report.line())
    if not articles:
        click.echo("no tracked article to backfill", err=True)
    if failed:
        raise SystemExit(1)


def _archive_moment(text: str) -> datetime | None:
    """`--against-archive` alone: now; else 14 digits of a CDX timestamp, a duration or an ISO date."""
    if text == "now":
        return None
    if text.isdigit() and 4 <= len(text) <= 14:
        try:
            return datetime.strptime(text.ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return parse_since(text)


def _diff_against_archive(paths: Paths, url: str, when: str, archives: tuple[str, ...]):
    """Our current version and the archive's nearest capture, as versions to compare; stores nothing."""
    from crawler.items import content_of
    from crawler.wayback import ArchiveError, clients, nearest_archived
    from db.store import normalize_body, normalize_line

    config = load_config(paths.sources) if paths.sources.exists() else Config(path=paths.sources)
    db = open_db(paths.db, readonly=True)
    article = find_article(db, url)
    ours = queries.get_version(db, article["url"], None)
    client = clients(config, archives)[0]
    try:
        capture, cleaned = nearest_archived(client, article, _archive_moment(when), config)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    content = content_of(cleaned)
    theirs = {"url": article["url"], "version": f"archive {capture.timestamp}", "id": None,
              "captured_at": capture.captured_at, "archive_url": client.replay_url(capture),
              "title": normalize_line(content.title), "byline": normalize_line(content.byline),
              "body": normalize_body(content.body), "published": content.published,
              "captions": normalize_body(content.captions)}
    return theirs, ours


# -- distributed crawling ------------------------------------------------------------


@cli.command("save-page-now")
@click.option("--retry-failed", is_flag=True, help="Start the given-up rows over (attempts reset).")
@click.option("--wait", "wait", default="1m", show_default=True, metavar="DURATION",
              help="How long to keep submitting (rate-limit slots, job statuses); 0: only what is due now.")
@click.option("--list", "list_only", is_flag=True, help="Show the queue; submit nothing.")
@click.option("--json", "as_json", is_flag=True, help="The queue and what was done, as one JSON object.")
@common_options
def save_page_now(paths: Paths, retry_failed: bool, wait: str, list_only: bool, as_json: bool) -> None:
    """Show the Save Page Now queue and submit what is due to the archive's save endpoint.

    Each new version of a source with save_page_now is queued by the crawl that recorded it and
    submitted one at a time, at most [settings] save_page_now_per_minute a minute; the archive's
    capture timestamp is kept on the version. Crawls and `newswatch run` drain the queue too.
    Exits 1 when an attempt of this run failed (the row stays queued, with its error).
    """
    from crawler.save_page_now import KeysError, drain
    from db import page_saves

    config = load_config(paths.sources)
    seconds = 0 if wait.strip() == "0" else _duration_option(wait, "--wait")
    db = open_db(paths.db)
    reset = page_saves.retry_failed(db) if retry_failed else 0
    report = None
    if not list_only:
        try:
            report = drain(db, config, seconds=seconds)
        except KeysError as exc:
            raise UsageProblem(str(exc)) from None
    queue, rows = page_saves.summary(db), page_saves.waiting(db)
    done = vars(report) if report is not None else {}
    if as_json:
        click.echo(json.dumps({"queue": queue, "retried": reset, **done, "waiting": rows}))
    else:
        click.echo("save page now: " + " · ".join(f"{k} {n}" for k, n in queue.items()) +
                   (f" (this run: submitted {report.submitted}, saved {report.saved}, failed "
                    f"{report.failed})" if report is not None else ""))
        for row in rows:
            click.echo(f"  {row['status']:<9} {row['url']}  attempts {row['attempts']}" +
                       (f", next {row['next_attempt_at']}" if row["status"] == "pending" and
                        row["next_attempt_at"] else "") + (f": {row['error']}" if row["error"] else ""))
    if report is not None and report.failed:
        raise SystemExit(1)


def _redis_url(explicit: str | None, paths: Paths):
    config = load_config(paths.sources)
    url = explicit or config.redis
    if not url:
        raise UsageProblem("no Redis given: pass --redis URL, set NEWSWATCH_REDIS or "
                           "[settings] redis = 'redis://host:6379/0'")
    return url, config


def _redis_status(url: str) -> dict:
    from crawler.distributed.queues import RedisMissing
    from scheduler.coordinator import redis_status

    try:
        return redis_status(url)
    except RedisMissing as exc:
        raise UsageProblem(str(exc)) from None
    except Exception as exc:  # redis.ConnectionError and friends
        raise click.ClickException(f"Redis at {url}: {exc}") from None


def _duration_option(text: str, name: str) -> int:
    try:
        return parse_duration(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a duration (e.g. 90s, 10m)", param_hint=name) from None


@cli.command()
@click.option("--redis", "redis_url", **REDIS_OPTION)
@click.option("--verbose", "-v", is_flag=True, help="Show Scrapy's log (INFO) as well.")
@common_options
def worker(paths: Paths, redis_url: str | None, verbose: bool) -> None:
    """Fetch and clean the work a coordinator (`run --redis`) pushes, until Ctrl-C / SIGTERM.

    Any number of workers on any number of machines share one frontier in Redis (scrapy-redis).
    A worker needs the sources file, not the database: it pushes its results to Redis for
    `newswatch ingest`.
    """
    from crawler.distributed.queues import RedisMissing

    url, _ = _redis_url(redis_url, paths)
    try:
        from crawler.distributed.worker import run_worker
    except ImportError:
        raise UsageProblem(str(RedisMissing())) from None
    try:
        code = run_worker(url, paths.sources, verbose=verbose)
    except RedisMissing as exc:
        raise UsageProblem(str(exc)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("redis"):
            raise click.ClickException(f"Redis at {url}: {exc}") from None
        raise
    raise SystemExit(code)


@cli.command()
@click.option("--redis", "redis_url", **REDIS_OPTION)
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 100_000),
              help="Results written per transaction.")
@click.option("--until-idle", is_flag=True, help="Stop when no result is waiting (for cron and tests).")
@common_options
def ingest(paths: Paths, redis_url: str | None, batch: int, until_idle: bool) -> None:
    """Write the workers' results into the database: the one process that writes it.

    Batches move from the results list to a processing list and leave it only after their
    transaction committed; a restart first writes what the processing list still holds, and a
    result written before is recognised by its id. Runs until Ctrl-C / SIGTERM.
    """
    from crawler.distributed.queues import RedisMissing
    from scheduler.ingest import Ingest

    url, config = _redis_url(redis_url, paths)
    try:
        totals = Ingest(paths.db, config, url, batch=batch, echo=click.echo).run(until_idle=until_idle)
    except RedisMissing as exc:
        raise UsageProblem(str(exc)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("redis"):  # ConnectionError, TimeoutError, …
            raise click.ClickException(f"Redis at {url}: {exc}") from None
        raise
    click.echo("ingest: " + (" · ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "nothing"),
               err=True)


def main() -> None:
    cli(prog_name="newswatch")


if __name__ == "__main__":
    main()
