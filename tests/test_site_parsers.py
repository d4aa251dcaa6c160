"""Site parsers (`parser = "module:function"`) and CSS selectors, through real crawls of a site on
127.0.0.1 into a real SQLite file, the module kept beside the sources file as a user would."""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from crawler.cleaner import clean
from crawler.sources import SourceConfigError, load_config
from newswatch.demosite import DemoServer
from tests.conftest import Cli, query as rows

DOCS = Path(__file__).resolve().parents[1] / "docs" / "site-parsers.md"
PROSE = ("The harbour authority said on Tuesday that the new quay would open in spring, after two "
         "years of work and a budget that grew by a third. ")
# Paragraphs the generic cleaner keeps, for drop_selectors to remove.
NOTES = ("Ferry timetables for the winter season are posted at the terminal.",
         "Readers can send their questions to the harbour desk by post.")


def article_page(slug: str, headline: str, extra: str = "") -> str:
    return f"""<!doctype html><html lang="en"><head><title>{headline} | Gazette</title></head><body>
<nav><a href="/index.html">Home</a> <a href="/news/{slug}.html">{headline}</a></nav>
<article><h1>{headline}</h1><p class="byline">By Ana Ruiz</p>
<div class="story">
<p class="x">{PROSE * 2}</p>
<p class="promo">Subscribe to our newsletter for the best stories of the week.</p>
<p class="note">{NOTES[0]}</p>
<p class="y">{PROSE} Slug {slug}.</p>
<p class="promo">Advertisement: visit the harbour shop today.</p>
<p class="note">{NOTES[1]}</p>
<figure><img src="/quay.jpg" alt=""><figcaption data-role="caption">The quay at dawn.</figcaption></figure>
{extra}
</div></article>
<footer>© Gazette</footer></body></html>"""


def serve_site(root: Path, pages: dict[str, str]) -> None:
    (root / "news").mkdir(parents=True, exist_ok=True)
    links = "".join(f'<li><a href="/news/{slug}.html">{slug}</a></li>' for slug in pages)
    (root / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    for slug, html in pages.items():
        (root / "news" / f"{slug}.html").write_text(html, encoding="utf-8")


def sources_file(folder: Path, base_url: str, extra: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(textwrap.dedent(f"""\
        [settings]
        keep_html = true

        [[source]]
        name = "gazette"
        start_urls = ["{base_url}/index.html"]
        article_pattern = '/news/'
        """) + extra + "\n", encoding="utf-8")
    return path


# The parser of the crawl below: reads the story's own markup for one page, leaves another to the
# generic cleaner (None), and raises on a third.
PARSER = '''
from crawler.site_parsers import SiteArticle


def parse(soup, url):
    if "generic" in url:
        return None
    if "broken" in url:
        raise KeyError("no data-story attribute")
    story = soup.select_one("div.story")
    return SiteArticle(title="Parsed: " + soup.h1.get_text(strip=True),
                       body=[p.get_text(" ", strip=True) for p in story.select("p:not(.promo, .note)")],
                       captions=[c.get_text() for c in soup.select("figcaption")])
'''


@pytest.fixture(scope="module")
def parsed_crawl(tmp_path_factory):
    """One real crawl (a child process, as the CLI runs it) of three pages with the parser."""
    folder = tmp_path_factory.mktemp("parsers")
    (folder / "gazette_parsers.py").write_text(PARSER, encoding="utf-8")
    pages = {slug: article_page(slug, f"Quay opens ({slug})") for slug in ("parsed", "generic", "broken")}
    serve_site(folder / "site", pages)
    with DemoServer(folder / "site") as server:
        sources = sources_file(folder, server.base_url, 'parser = "gazette_parsers:parse"')
        cli = Cli(folder / "n.db", sources, cwd=folder / "site")  # not the module's folder: found via the sources file
        result = cli("crawl", "--json")
        yield cli, server.base_url, pages, result


def test_parser_from_module_beside_sources_file_gives_stored_title_and_body(parsed_crawl):
    cli, base, pages, _ = parsed_crawl
    [version] = rows(cli.db, "select v.title, v.body, v.captions from versions v join articles a "
                             "on a.id = v.article_id where a.url = ?", [f"{base}/news/parsed.html"])
    assert version["title"] == "Parsed: Quay opens (parsed)"
    assert version["body"].split("\n") == [" ".join(PROSE.split() * 2), f"{PROSE.strip()} Slug parsed."]
    assert version["captions"] == "The quay at dawn."  # stored apart from the body
    assert "newsletter" not in version["body"] and NOTES[0] not in version["body"]


def test_parser_returning_none_falls_back_to_the_generic_cleaner(parsed_crawl):
    cli, base, pages, _ = parsed_crawl
    [version] = rows(cli.db, "select v.title, v.body from versions v join articles a on a.id = v.article_id "
                             "where a.url = ?", [f"{base}/news/generic.html"])
    generic = clean(pages["generic"], f"{base}/news/generic.html")
    assert (version["title"], version["body"]) == (generic.title, generic.body)
    assert version["title"] == "Quay opens (generic)"


def test_raising_parser_is_one_failure_line_and_no_version(parsed_crawl):
    cli, base, _, result = parsed_crawl
    url = f"{base}/news/broken.html"
    checks = rows(cli.db, "select outcome, error from checks where url = ?", [url])
    assert [c["outcome"] for c in checks] == ["error"]
    assert checks[0]["error"] == ("site parser gazette_parsers:parse failed: "
                                  "KeyError: 'no data-story attribute'")
    assert rows(cli.db, "select count(*) n from versions v join articles a on a.id = v.article_id "
                        "where a.url = ?", [url])[0]["n"] == 0
    summary = json.loads(result.stdout)
    assert (summary["new"], summary["failed"]) == (2, 1)  # the crawl went on past it


def test_reclean_applies_the_parser(parsed_crawl):
    cli, base, _, _ = parsed_crawl
    report = json.loads(cli("reclean", "--json").stdout)
    # Re-cleaned with the generic cleaner alone, the parsed page would come out different.
    assert (report["unchanged"], report["recleaned"]) == (2, 0)
    module = Path(cli.sources).parent / "gazette_parsers.py"
    module.write_text(module.read_text().replace('"Parsed: "', '"Re-parsed: "'), encoding="utf-8")
    report = json.loads(cli("reclean", "--json").stdout)
    assert (report["unchanged"], report["recleaned"]) == (1, 1)
    [title] = rows(cli.db, "select v.title from versions v join articles a on a.id = v.article_id "
                           "where a.url = ?", [f"{base}/news/parsed.html"])
    assert title["title"] == "Re-parsed: Quay opens (parsed)"


def test_not_list_selector_is_accepted_and_drops_what_it_matches(tmp_path):
    page = article_page("quay", "Quay opens")
    assert all(note in clean(page).body for note in NOTES)  # kept without the selector
    serve_site(tmp_path / "site", {"quay": page})
    with DemoServer(tmp_path / "site") as server:
        sources = sources_file(tmp_path, server.base_url, 'drop_selectors = ["div.story p:not(.x, .y)"]')
        assert load_config(sources).sources[0].drop_selectors == ("div.story p:not(.x, .y)",)
        Cli(tmp_path / "n.db", sources, tmp_path)("crawl")
    [version] = rows(tmp_path / "n.db", "select body from versions")
    assert version["body"].split("\n")[:2] == [" ".join(PROSE.split() * 2), f"{PROSE.strip()} Slug quay."]
    assert not any(note in version["body"] for note in NOTES)


def bad_sources(tmp_path: Path, line: str, module: str | None = None) -> Path:
    if module is not None:
        name, text = module.split("\n", 1)
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    path = tmp_path / "sources.toml"
    path.write_text(f'[[source]]\nname = "gazette"\nstart_urls = ["http://127.0.0.1:9/"]\n{line}\n',
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("line, module, why", [
    ('parser = "no_such_parsers_mod:parse"', None, "no module 'no_such_parsers_mod'"),
    ('parser = "sp_missing_fn:parse"', "sp_missing_fn\ndef other(soup, url):\n    return None\n",
     "has no 'parse'"),
    ('parser = "sp_not_callable:parse"', "sp_not_callable\nparse = 42\n", "sp_not_callable:parse is int, not a function"),
    ('parser = "sp_import_fails:parse"', "sp_import_fails\nimport no_such_dependency_x\n",
     "importing 'sp_import_fails' failed: ModuleNotFoundError"),
    ('parser = "no_colon_here"', None, "is not module:function"),
])
def test_bad_parser_is_a_config_error_naming_source_key_and_line(tmp_path, line, module, why):
    path = bad_sources(tmp_path, line, module)
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path} line 4: [[source]] 'gazette' key 'parser': ")
    assert why in message and "\n" not in message


def test_bad_parser_stops_the_crawl_command_with_the_config_error(tmp_path):
    path = bad_sources(tmp_path, 'parser = "sp_cli_missing:parse"')
    result = Cli(tmp_path / "n.db", path, tmp_path)("crawl", check=False)
    assert result.returncode == 2
    assert "line 4" in result.stderr and "'parser'" in result.stderr and "sp_cli_missing" in result.stderr


@pytest.mark.parametrize("line, key", [('drop_selectors = ["p:not(.x, .y", "aside"]', "drop_selectors"),
                                       ('body_selector = "p::first-line"', "body_selector")])
def test_invalid_selector_is_a_config_error_naming_key_and_line(tmp_path, line, key):
    path = bad_sources(tmp_path, line)
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    assert re.match(rf"{re.escape(str(path))} line 4: \[\[source\]\] 'gazette' key '{key}': '.*' is not "
                    r"a CSS selector \(", str(caught.value))


def test_worked_example_in_the_docs_runs_as_printed(tmp_path):
    """The docs' example: its files, crawled (a server on a free port, not 8765), then shown."""
    blocks = dict(re.findall(r"<!-- (\S+) -->\n```\w*\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S))
    assert set(blocks) >= {"myparsers.py", "sources.toml", "site/news/harbour.html", "expected"}
    for name, text in blocks.items():
        if name != "expected":
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text, encoding="utf-8")
    with DemoServer(tmp_path / "site") as server:
        sources = tmp_path / "sources.toml"
        sources.write_text(sources.read_text().replace("http://127.0.0.1:8765", server.base_url))
        cli = Cli(tmp_path / "newswatch.db", sources, tmp_path)
        cli("crawl")
        shown = cli("show", f"{server.base_url}/news/harbour.html").stdout
        stored = json.loads(cli("show", f"{server.base_url}/news/harbour.html", "--json").stdout)
    assert stored["captions"] == "The new quay at dawn. Photo: Lea Moss"
    def untimed(text: str) -> str:
        return re.sub(r"captured \S+", "captured (time)", text.strip())

    assert untimed(shown) == untimed(blocks["expected"])
