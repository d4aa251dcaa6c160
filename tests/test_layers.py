"""Guardrails: imports flow newswatch → scheduler → crawler → db, with no cycle and nobody importing
the crawl entry point; start-up loads only what it needs."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LAYERS = {"db": set(), "crawler": {"db"}, "scheduler": {"crawler", "db"}}
OURS = ("db", "crawler", "scheduler", "newswatch")
ENTRY_POINT = "crawler.run"  # run as `python -m crawler.run`: imported, it would load twice


def loaded_after(*modules: str) -> set[str]:
    """The modules a fresh interpreter has loaded after importing `modules`."""
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(' '.join(sys.modules))")
    return set(subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.split())


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_flow_one_way(package):
    modules = [p.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
               for p in (REPO / package).rglob("*.py")]
    modules = [m.removesuffix(".__init__") for m in modules if "__main__" not in m]
    loaded = {m.split(".")[0] for m in loaded_after(*modules)}
    ours = (loaded & set(OURS)) - {package}
    assert ours <= LAYERS[package], f"{package} loads {ours - LAYERS[package]}"


def test_cleaner_import_is_cheap_and_pure():
    loaded = loaded_after("crawler.cleaner")
    assert "scrapy" not in loaded and "db" not in loaded


def test_start_up_loads_only_what_the_work_needs():
    """Every crawl process pays its imports before its first request: a re-check whose pages all
    answer 304 never cleans or reads a feed. The CLI starts a crawl's workers before it opens the
    database: it needs neither APScheduler nor sqlite-utils nor the diff machinery by then."""
    worker = loaded_after("crawler.child", "crawler.spiders.news", "crawler.pipelines",
                          "crawler.middlewares", "crawler.progress", "crawler.throttle")
    assert "crawler.cleaner" not in worker and "feedparser" not in worker
    # the browser's handler loads at the first page that needs it (crawler/render.py)
    assert not {m.split(".")[0] for m in worker} & {"playwright", "scrapy_playwright"}
    # a re-check asks and records its 304s before Scrapy loads (crawler/recheck/precheck.py)
    recheck = loaded_after("crawler.child", "crawler.recheck.precheck", "crawler.notifications", "crawler.defaults")
    assert not {m.split(".")[0] for m in recheck} & {"scrapy", "twisted", "OpenSSL", "apprise"}
    cli = loaded_after("newswatch.cli", "scheduler.crawls")
    for module in ("apscheduler", "scrapy", "sqlite_utils", "db.store", "db.changes"):
        assert module not in cli


def our_modules() -> dict[str, Path]:
    """Every module of ours by its dotted name (a package by its own name, for its __init__)."""
    modules = {}
    for package in OURS:
        for path in (REPO / package).rglob("*.py"):
            name = path.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported_names(path: Path, name: str, *, module_level: bool) -> set[str]:
    """The dotted names `path` (module `name`) imports, relative imports resolved; with
    `module_level`, only what runs when it is imported (not in functions nor under TYPE_CHECKING)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)  # a submodule, maybe
            elif module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            elif module_level and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            else:
                visit(ast.iter_child_nodes(node))

    visit(ast.parse(path.read_text(), str(path)).body)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ours its import loads, parent packages included (importing a.b.c
    runs a/__init__, a/b/__init__ and a/b/c)."""
    modules = our_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_names(path, name, module_level=True):
            parts = imported.split(".")
            targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {t for t in targets & modules.keys() if t != name and not name.startswith(t + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` as [a, b, …, a], or None."""
    state: dict[str, str] = {}  # "open" while on the path, "done" after
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := walk(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def test_no_import_cycle_between_our_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_check_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_nobody_imports_the_crawl_entry_point():
    """`python -m crawler.run` runs it as __main__: a module importing crawler.run loads it a
    second time, with module state of its own. What the others need lives elsewhere."""
    offenders = []
    files = [p for d in (*OURS, "tests", "bench") for p in sorted((REPO / d).rglob("*.py"))]
    modules = {path: name for name, path in our_modules().items()}
    for file in files:
        name = modules.get(file, file.relative_to(REPO).with_suffix("").as_posix().replace("/", "."))
        names = imported_names(file, name, module_level=False)
        if any(n == ENTRY_POINT or n.startswith(ENTRY_POINT + ".") for n in names) \
                or f'import_module("{ENTRY_POINT}"' in file.read_text():
            offenders.append(str(file.relative_to(REPO)))
    assert offenders == [], f"these import {ENTRY_POINT} (move what they use out of it): {offenders}"
