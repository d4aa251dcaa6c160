"""The documents stay true: every command, sources-file key, table, column and view is documented
in docs/, every `newswatch` command the documents show exists, and the README stays short."""
from __future__ import annotations

import re
import shlex

import pytest

from crawler.sources import SETTINGS_KEYS, SOURCE_KEYS
from db.schema import open_db
from newswatch.cli import cli
from tests.conftest import REPO

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
README = (REPO / "README.md").read_text(encoding="utf-8")
ALL_DOCS = "\n".join(p.read_text(encoding="utf-8") for p in PAGES)
SHELL_BLOCK = re.compile(r"^[ \t]*```(?:console|bash|sh|shell)\n(.*?)^[ \t]*```", re.S | re.M)
GLOBAL_OPTIONS_WITH_VALUE = {"--db", "--sources"}
# Upstream projects whose issue numbers a document may cite (e.g. scrapy-redis #84).
UPSTREAM = {"scrapy-redis", "scrapy", "datasette", "sqlite-utils", "apscheduler", "trafilatura",
            "apprise", "feedparser", "twisted"}


def test_the_readme_is_for_a_user():
    assert README.lstrip().startswith("# newswatch")
    assert "make demo" in README[:1500] and "make test" in README[:1500]
    assert len(README.splitlines()) <= 200, "the README is for a user: move details to docs/"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme_table_and_in_docs(command):
    assert f"`newswatch {command}" in README, f"{command} missing from the README's commands table"
    assert f"`newswatch {command}" in ALL_DOCS, f"{command} missing from docs/ (docs/cli.md lists them all)"


def test_every_sources_file_key_is_documented():
    missing = sorted(k for k in SOURCE_KEYS | SETTINGS_KEYS if f"`{k}`" not in ALL_DOCS)
    assert not missing, f"sources-file keys missing from docs/ (docs/sources.md lists them all): {missing}"


def test_every_table_column_and_view_is_documented(tmp_path):
    db = open_db(tmp_path / "schema.db")
    names = [t for t in db.table_names() if not t.startswith("versions_fts_")] + db.view_names()
    missing = [n for n in names if f"`{n}`" not in ALL_DOCS]
    missing += [f"{n}.{c.name}" for n in names for c in db[n].columns if f"`{c.name}`" not in ALL_DOCS]
    assert not missing, f"missing from docs/ (docs/database.md lists them all): {missing}"


def shown_commands(text: str) -> list[str]:
    """The subcommand of every `newswatch …` line in the shell blocks of `text`."""
    found = []
    for block in SHELL_BLOCK.findall(text):
        for line in block.splitlines():
            words = shlex.split(line.strip().removeprefix("$ ").split(" #")[0], comments=True)
            if not words or words[0] != "newswatch":
                continue
            words = words[1:]
            while words and words[0] in GLOBAL_OPTIONS_WITH_VALUE:
                words = words[2:]
            found.append(words[0] if words else "")
    return found


def test_every_newswatch_command_shown_in_the_docs_exists():
    shown = shown_commands(README + "\n" + ALL_DOCS)
    assert shown, "no `newswatch` command in any shell block"
    unknown = sorted(set(shown) - set(cli.commands) - {"--help", "-h", "--version"})
    assert not unknown, f"documents show commands that do not exist: {unknown}"


def test_every_docs_page_is_reachable_from_the_index():
    index = (DOCS / "README.md").read_text()
    linked = [p for p in PAGES if f"({p.name}" in index]
    reachable = index + "".join(p.read_text() for p in linked)
    unlinked = [p.name for p in PAGES if p.name != "README.md" and f"({p.name}" not in reachable]
    assert not unlinked, f"neither docs/README.md nor a page it links links {unlinked}"


def tracker_numbers(text: str, hashes: bool = True) -> list[str]:
    """Mentions of an issue number that do not name the upstream project they belong to."""
    ours = [m for m in re.finditer(r"(\S+)\s+[Ii]ssues?\s+#?\d+", " " + text)]
    ours += [m for m in re.finditer(r"(\S+)\s+#\d+\b", text)] if hashes else []
    return [m.group(0) for m in ours if m.group(1).strip("[(").lower() not in UPSTREAM]


def test_no_tracker_issue_numbers_in_the_documents():
    text = README + "\n" + ALL_DOCS + "\n" + (REPO / "CHANGELOG.md").read_text()
    ours = tracker_numbers(text)
    assert not ours, f"issue numbers of our tracker (cite an upstream issue or nothing): {ours[:5]}"


def test_no_tracker_issue_numbers_in_the_code():
    suffixes = {".py", ".toml", ".cfg", ".txt", ".html", ".json", ".sh", ".ini", ".yml", ".yaml"}
    files = [p for p in REPO.rglob("*") if p.is_file() and (p.suffix in suffixes or p.name in {"Makefile", "run"})
             and not {".git", ".venv", ".venv-pywb", "node_modules"} & set(p.relative_to(REPO).parts)
             and not p.relative_to(REPO).parts[0].endswith(".egg-info")]
    found = [f"{p.relative_to(REPO)}: {hit}" for p in files for hit in tracker_numbers(p.read_text(errors="replace"), hashes=False)]
    assert not found, f"issue numbers of our tracker in the code (history belongs in commits): {found[:5]}"


def test_every_sources_file_shown_in_the_docs_loads(tmp_path):
    from crawler.sources import load_config

    blocks = re.findall(r"^[ \t]*```toml\n(.*?)^[ \t]*```", README + "\n" + ALL_DOCS, re.S | re.M)
    assert blocks
    for number, block in enumerate(blocks):
        if re.search(r"^parser\s*=", block, re.M):
            continue  # needs its module beside it: test_site_parsers runs that worked example
        if re.search(r'^\s*cookies\s*=\s*"', block, re.M):
            continue  # needs its cookies.txt beside it: test_request_settings runs that example
        path = tmp_path / f"sources-{number}.toml"
        path.write_text(block)  # TOML does not mind the indentation of a block in a list
        assert load_config(path).sources, block


def test_every_module_the_docs_name_exists():
    named = set(re.findall(r"`((?:crawler|db|scheduler|newswatch|bench|tests)/[\w/.-]*?\.py|"
                           r"(?:crawler|db|scheduler|newswatch|bench|tests)/[\w/-]+/)`",
                           README + "\n" + ALL_DOCS))
    assert named
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert not missing, f"the docs name files that do not exist (moved?): {missing}"


def test_every_python_name_the_docs_use_resolves():
    import importlib

    names = set(re.findall(r"`((?:crawler|db|scheduler|newswatch)\.[a-z_][\w.]*\w)`", README + "\n" + ALL_DOCS))
    unresolved = []
    for name in sorted(names - {"newswatch.db"}):  # the database's file name
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                value = importlib.import_module(".".join(parts[:cut]))
                break
            except ImportError:
                continue
        for attribute in parts[cut:]:
            value = getattr(value, attribute, None)
        if value is None:
            unresolved.append(name)
    assert names and not unresolved, f"the docs name what the code does not have (moved?): {unresolved}"
