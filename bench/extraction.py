"""Benchmark the cleaner against trafilatura and readability-lxml on the shared test pages.

Run from the repo root:  .venv/bin/python bench/extraction.py [--quick] [--worst N] [--only TOOL]

Metric (same as scrapinghub/article-extraction-benchmark): tokens are `\\w+` runs,
case kept as-is (the public benchmark does not lowercase); each page's text becomes a
multiset of overlapping 4-token shingles; page precision/recall come from the multiset
intersection with the expected shingles; P and R are macro means over pages and
F1 = 2PR/(P+R). Timing is wall-clock per page of each tool's own call (the tools take
turns page by page), median over pages. A tool that raises on a page gets empty output.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
READABILITY_PAGES = SHARED / "datasets" / "readability-test-pages"
FIXTURES = SHARED / "fixtures"
sys.path.insert(0, str(REPO))

import lxml.html  # noqa: E402
import readability  # noqa: E402
import trafilatura  # noqa: E402

from crawler.cleaner import clean  # noqa: E402
from crawler.cleaner.text import block_lines  # noqa: E402

# Page groups from the dataset README, so news pages can be read apart from docs and synthetic tests.
GROUPS = {
    "news": "aktualne ars-1 article-author-tag bbc-1 breitbart bug-1255978 buzzfeed-1 citylab-1 cnet "
            "cnet-svg-classes cnn engadget folha gmw guardian-1 heise herald-sun-1 keep-images la-nacion "
            "lazy-image-2 lemonde-1 liberation-1 lifehacker-post-comment-load lifehacker-working lwn-1 "
            "medicalnewstoday msn nytimes-1 nytimes-2 nytimes-3 nytimes-4 nytimes-5 qq quanta-1 salon-1 "
            "schema-org-context-object seattletimes-1 simplyfound-1 spiceworks telegraph theverge tmz-1 "
            "videos-1 videos-2 wapo-1 wapo-2 webmd-1 webmd-2 wikia wordpress yahoo-1 yahoo-2 yahoo-3 yahoo-4 youth",
    "blogs": "001 002 aclu blogger dropbox-blog ebb-org firefox-nightly-blog gitlab-blog iab-1 keep-tabular-data "
             "lazy-image-1 links-in-tables medium-1 medium-2 medium-3 pixnet table-style-attributes toc-missing "
             "topicseed-1 tumblr v8-blog",
    "reference": "wikipedia wikipedia-2 wikipedia-3 wikipedia-4 ietf-1 google-sre-book-1 mercurial clean-links "
                 "ehow-1 ehow-2 mathjax",
    "other": "archive-of-our-own royal-road hukumusume mozilla-1 mozilla-2 daringfireball-1",
}
PAGE_GROUP = {name: group for group, names in GROUPS.items() for name in names.split()}


@dataclass
class Page:
    name: str
    html: bytes
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None


@dataclass
class Score:
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    per_page: dict[str, float] = field(default_factory=dict)
    meta_hits: dict[str, list[bool]] = field(default_factory=dict)

    def f1(self) -> float:
        p, r = self.p(), self.r()
        return 2 * p * r / (p + r) if p + r else 0.0

    def p(self) -> float:
        return statistics.mean(self.precisions) if self.precisions else 0.0

    def r(self) -> float:
        return statistics.mean(self.recalls) if self.recalls else 0.0


def shingles(text: str, n: int = 4) -> Counter:
    tokens = re.findall(r"\w+", text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def precision_recall(expected: str, got: str) -> tuple[float, float]:
    """Page precision and recall over 4-token shingle multisets (empty vs empty is perfect)."""
    truth, pred = shingles(expected), shingles(got)
    tp = sum((truth & pred).values())
    fp, fn = sum(pred.values()) - tp, sum(truth.values()) - tp
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


# ---------------------------------------------------------------- tools

def run_cleaner(html: bytes) -> dict:
    a = clean(html, "http://fakehost/test/page.html")
    return {"text": a.body, "title": a.title, "author": a.author, "published": a.published}


def run_trafilatura(html: bytes) -> dict:
    return {"text": trafilatura.extract(html, include_comments=False) or ""}


def meta_trafilatura(html: bytes) -> dict:
    m = trafilatura.extract_metadata(html)
    return {"title": m.title if m else None, "author": m.author if m else None, "published": m.date if m else None}


def run_readability(html: bytes) -> dict:
    summary = readability.Document(html).summary()
    return {"text": "\n".join(block_lines(lxml.html.fromstring(summary))) if summary.strip() else ""}


def meta_readability(html: bytes) -> dict:
    return {"title": readability.Document(html).short_title(), "author": None, "published": None}


TOOLS: dict[str, tuple[Callable[[bytes], dict], Callable[[bytes], dict] | None]] = {
    "newswatch cleaner": (run_cleaner, None),
    "trafilatura": (run_trafilatura, meta_trafilatura),
    "readability-lxml": (run_readability, meta_readability),
}


# ---------------------------------------------------------------- data

def readability_pages(quick: bool) -> list[Page]:
    pages = []
    for folder in sorted(p for p in READABILITY_PAGES.iterdir() if p.is_dir()):
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        pages.append(Page(folder.name, (folder / "source.html").read_bytes(),
                          (folder / "expected.txt").read_text(encoding="utf-8"),
                          meta.get("title"), meta.get("byline"), meta.get("publishedTime")))
    return pages[::4] if quick else pages


def fixture_pages() -> list[Page]:
    pages = []
    for expected_file in sorted(FIXTURES.rglob("expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        entries = {"page.html": expected} if "body" in expected else expected
        for file_name, answer in entries.items():
            path = expected_file.parent / file_name
            name = str(path.relative_to(FIXTURES))
            pages.append(Page(name, path.read_bytes(), answer["body"], answer["title"],
                              answer["author"], answer["published"]))
    return pages


# ---------------------------------------------------------------- scoring

def _same_text(a: str | None, b: str | None) -> bool:
    norm = lambda s: " ".join((s or "").split())  # noqa: E731
    return bool(norm(a)) and norm(a) == norm(b)


_SITE_SUFFIX = re.compile(r"^\s*(?:[|\-–—·»:_/]+|\[)")


def _same_title_ignoring_site(expected: str | None, got: str | None) -> bool:
    """Exact, or expected is the headline plus a site-name part ("Headline | eHow").

    Readability's expected titles come from <title>/og:title; the cleaner's contract is the
    visible headline, which never carries the site name.
    """
    norm = lambda s: " ".join((s or "").split())  # noqa: E731
    e, g = norm(expected), norm(got)
    if e == g:
        return True
    return bool(g) and e.startswith(g) and bool(_SITE_SUFFIX.match(e[len(g):]))


def _same_author(expected: str | None, got: str | None) -> bool:
    strip_by = lambda s: re.sub(r"^\s*by\s+", "", " ".join((s or "").split()), flags=re.I)  # noqa: E731
    return bool(strip_by(got)) and strip_by(expected).casefold() == strip_by(got).casefold()


def _same_moment(expected: str | None, got: str | None) -> bool:
    if not got:
        return False
    try:
        # Moments compared to the second: metadata and visible dates differ in sub-seconds.
        a = datetime.fromisoformat(expected.replace("Z", "+00:00")).replace(microsecond=0)
        b = datetime.fromisoformat(got.replace("Z", "+00:00")).replace(microsecond=0)
        if (a.tzinfo is None) != (b.tzinfo is None):
            return a.date() == b.date()
        return a == b if len(got) > 10 and len(expected) > 10 else a.date() == b.date()
    except ValueError:
        return expected[:10] == got[:10]


def score_tools(pages: list[Page], tools: dict) -> dict[str, Score]:
    """Run every tool on each page in turn (rotating the order) so machine load hits all alike."""
    scores = {name: Score() for name in tools}
    names = list(tools)
    for i, page in enumerate(pages):
        for name in names[i % len(names):] + names[:i % len(names)]:
            run, meta = tools[name]
            out = _timed(scores[name], run, page.html)
            p, r = precision_recall(page.text, out["text"])
            score = scores[name]
            score.precisions.append(p)
            score.recalls.append(r)
            score.per_page[page.name] = 2 * p * r / (p + r) if p + r else 0.0
            if meta and "title" not in out:
                out.update(_safe(meta, page.html, {}))
            _score_meta(score, page, out)
    return scores


def _timed(score: Score, run: Callable, html: bytes) -> dict:
    start = time.perf_counter()
    out = _safe(run, html, {"text": ""})
    score.seconds.append(time.perf_counter() - start)
    return out


def _safe(fn: Callable, html: bytes, default: dict) -> dict:
    """A tool that crashes on a page scores that page as empty output (readability-lxml
    raises LookupError on windows-874, for instance)."""
    try:
        return fn(html)
    except Exception as exc:  # noqa: BLE001 - any failure counts as no output
        print(f"  ({getattr(fn, '__name__', fn)} failed: {type(exc).__name__}: {exc})", file=sys.stderr)
        return dict(default)


def _score_meta(score: Score, page: Page, out: dict) -> None:
    if page.title is not None:
        empty = not page.title and not out.get("title")
        score.meta_hits.setdefault("title", []).append(_same_text(page.title, out.get("title")) or empty)
        score.meta_hits.setdefault("title_site", []).append(
            _same_title_ignoring_site(page.title, out.get("title")) or empty)
    if page.author:
        score.meta_hits.setdefault("author", []).append(_same_author(page.author, out.get("author")))
    if page.published:
        score.meta_hits.setdefault("published", []).append(_same_moment(page.published, out.get("published")))


# ---------------------------------------------------------------- report

def _pct(hits: list[bool] | None) -> str:
    return f"{100 * sum(hits) / len(hits):.1f}% ({sum(hits)}/{len(hits)})" if hits else "n/a"


def table(title: str, results: dict[str, Score]) -> str:
    rows = [f"**{title}**", "",
            "| tool | precision | recall | F1 | median ms/page | title exact | title exact but site name | author | published |",
            "|---|---|---|---|---|---|---|---|---|"]
    for tool, s in results.items():
        rows.append(f"| {tool} | {s.p():.4f} | {s.r():.4f} | {s.f1():.4f} | "
                    f"{1000 * statistics.median(s.seconds):.1f} | {_pct(s.meta_hits.get('title'))} | "
                    f"{_pct(s.meta_hits.get('title_site'))} | "
                    f"{_pct(s.meta_hits.get('author'))} | {_pct(s.meta_hits.get('published'))} |")
    return "\n".join(rows)


def group_table(results: dict[str, Score], pages: list[Page]) -> str:
    rows = ["| group | pages | " + " | ".join(f"{t} F1" for t in results) + " |",
            "|---|---|" + "---|" * len(results)]
    for group in ("news", "blogs", "reference", "other", "synthetic"):
        names = [p.name for p in pages if PAGE_GROUP.get(p.name, "synthetic") == group]
        if names:
            cells = []
            for s in results.values():
                idx = [i for i, p in enumerate(pages) if p.name in names]
                sub = Score([s.precisions[i] for i in idx], [s.recalls[i] for i in idx])
                cells.append(f"{sub.f1():.4f}")
            rows.append(f"| {group} | {len(names)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every 4th readability page only")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of the cleaner")
    parser.add_argument("--only", choices=list(TOOLS), help="run one tool")
    args = parser.parse_args()
    tools = {k: v for k, v in TOOLS.items() if not args.only or k == args.only}
    datasets = {"readability-test-pages": readability_pages(args.quick), "fixtures": fixture_pages()}
    print("Command: `.venv/bin/python bench/extraction.py" + (" --quick" if args.quick else "") + "`\n")
    for name, pages in datasets.items():
        results = score_tools(pages, tools)
        print(table(f"{name} ({len(pages)} pages)", results), "\n")
        if name == "readability-test-pages":
            print(group_table(results, pages), "\n")
        if name == "fixtures":
            s = results.get("newswatch cleaner")
            if s:
                print("Per-page F1 of the cleaner on fixtures: min "
                      f"{min(s.per_page.values()):.4f}; pages below 1.0: "
                      f"{', '.join(k for k, v in s.per_page.items() if v < 1.0) or 'none'}\n")
        if args.worst and "newswatch cleaner" in results:
            worst = sorted(results["newswatch cleaner"].per_page.items(), key=lambda kv: kv[1])[:args.worst]
            print("Worst pages:", ", ".join(f"{k} {v:.3f}" for k, v in worst), "\n")


if __name__ == "__main__":
    main()
