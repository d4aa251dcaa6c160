"""Benchmark the cleaner against trafilatura and readability-lxml on every shared dev set, side by side.

Run from the repo root:  .venv/bin/python bench/extraction.py [--sets a,b] [--limit N] [--per-page N]

Metric (same as scrapinghub/article-extraction-benchmark): tokens are `\\w+` runs,
case kept as-is (the public benchmark does not lowercase); each page's text becomes a
multiset of overlapping 4-token shingles; page precision/recall come from the multiset
intersection with the expected shingles; P and R are macro means over pages and
F1 = 2PR/(P+R). Timing is wall-clock per page of each tool's own call (the tools take
turns page by page), median over pages. A tool that raises on a page gets empty output.
The paired bootstrap resamples pages and recomputes F1(newswatch) - F1(best other tool).
Churn re-cleans each page after mutating only text outside its label (bench/churn_real.py).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATASETS = SHARED / "datasets"
READABILITY_PAGES = DATASETS / "readability-test-pages"
FIXTURES = SHARED / "fixtures"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import lxml.html  # noqa: E402
import readability  # noqa: E402
import trafilatura  # noqa: E402

from churn_real import churned_pages  # noqa: E402
from crawler.cleaner import clean  # noqa: E402
from crawler.cleaner.text import block_lines, normalize_line  # noqa: E402

CLEANER = "newswatch cleaner"
FAKE_URL = "http://fakehost/test/page.html"

# Page groups from the readability-test-pages README, so news pages can be read apart from docs and synthetic tests.
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
    html: bytes | str
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    url: str = FAKE_URL
    subsets: tuple[str, ...] = ()
    captions_in_label: bool = False  # the label keeps image captions: score body + captions
    header_in_label: bool = False  # the label keeps the headline and byline: score them with the body


@dataclass
class DevSet:
    """One labelled set and what its label file holds, as its README says."""

    name: str
    label: str  # the label file scored, and what it contains
    human: bool  # human-made or human-reviewed labels (the floors apply)
    load: Callable[[], list[Page]]


@dataclass
class Score:
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    per_page: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    meta_hits: dict[str, list[bool]] = field(default_factory=dict)

    def f1(self) -> float:
        return _f1(self.p(), self.r())

    def p(self) -> float:
        return statistics.mean(self.precisions) if self.precisions else 0.0

    def r(self) -> float:
        return statistics.mean(self.recalls) if self.recalls else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text or "")


def shingles(text: str, n: int = 4) -> Counter:
    toks = tokens(text)
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i:i + n])


def precision_recall(expected: str, got: str) -> tuple[float, float]:
    """Page precision and recall over 4-token shingle multisets (empty vs empty is perfect)."""
    truth, pred = shingles(expected), shingles(got)
    tp = sum((truth & pred).values())
    fp, fn = sum(pred.values()) - tp, sum(truth.values()) - tp
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


# ---------------------------------------------------------------- tools

def run_cleaner(html: bytes | str, url: str) -> dict:
    a = clean(html, url)
    return {"text": a.body, "captions": "\n".join(a.captions), "title": a.title, "author": a.author,
            "published": a.published}


def run_trafilatura(html: bytes | str, url: str) -> dict:
    return {"text": trafilatura.extract(html, url=url, include_comments=False) or ""}


def meta_trafilatura(html: bytes | str, url: str) -> dict:
    m = trafilatura.extract_metadata(html)
    return {"title": m.title if m else None, "author": m.author if m else None, "published": m.date if m else None}


def run_readability(html: bytes | str, url: str) -> dict:
    summary = readability.Document(html).summary()
    return {"text": "\n".join(block_lines(lxml.html.fromstring(summary))) if summary.strip() else ""}


def meta_readability(html: bytes | str, url: str) -> dict:
    return {"title": readability.Document(html).short_title(), "author": None, "published": None}


TOOLS: dict[str, tuple[Callable[[bytes | str, str], dict], Callable[[bytes | str, str], dict] | None]] = {
    CLEANER: (run_cleaner, None),
    "trafilatura": (run_trafilatura, meta_trafilatura),
    "readability-lxml": (run_readability, meta_readability),
}


# ---------------------------------------------------------------- data

def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "source.html").exists())


def readability_pages() -> list[Page]:
    pages = []
    for folder in _folders(READABILITY_PAGES):
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        pages.append(Page(folder.name, (folder / "source.html").read_bytes(),
                          (folder / "expected.txt").read_text(encoding="utf-8"),
                          meta.get("title"), meta.get("byline"), meta.get("publishedTime"),
                          subsets=(PAGE_GROUP.get(folder.name, "synthetic"),), captions_in_label=True))
    return pages


def labelled_pages(name: str, subsets_file: str | None = None, header_in_label: bool = False) -> list[Page]:
    """A set in the shared layout: source.html (UTF-8, whatever its <meta> says), expected.txt, metadata."""
    root = DATASETS / name
    membership: dict[str, list[str]] = {}
    if subsets_file:
        for subset, ids in json.loads((root / subsets_file).read_text(encoding="utf-8")).items():
            for page_id in ids:
                membership.setdefault(page_id, []).append(subset)
    pages = []
    for folder in _folders(root):
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        # The READMEs: every source.html is valid UTF-8, and l3s pages declare other charsets
        # in <meta>; every tool gets the decoded str so none of them trusts the wrong label.
        html = (folder / "source.html").read_bytes().decode("utf-8", "replace")
        pages.append(Page(folder.name, html, (folder / "expected.txt").read_text(encoding="utf-8"),
                          meta.get("title"), url=meta.get("url") or FAKE_URL,
                          subsets=tuple(membership.get(folder.name, ())), header_in_label=header_in_label))
    return pages


def fixture_pages() -> list[Page]:
    """The seed article, its churn and edit variants and the other layouts.

    The fixture answers put image captions in the body; the cleaner's contract keeps them
    in `captions`, so caption lines (the page's <figcaption> texts) are taken out of the label.
    """
    pages = []
    for expected_file in sorted(FIXTURES.rglob("expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        entries = {"page.html": expected} if "body" in expected else expected
        for file_name, answer in entries.items():
            path = expected_file.parent / file_name
            html = path.read_bytes()
            captions = set(figcaption_lines(html))
            body = "\n".join(line for line in answer["body"].split("\n") if line not in captions)
            pages.append(Page(str(path.relative_to(FIXTURES)), html, body, answer["title"],
                              answer["author"], answer["published"]))
    return pages


def figcaption_lines(html: bytes | str) -> list[str]:
    doc = lxml.html.fromstring(html)
    return [normalize_line(el.text_content()) for el in doc.iter("figcaption")]


SETS = [
    DevSet("readability-test-pages", "expected.txt: Readability's own output (reviewed), captions included, so the cleaner "
           "is scored on body + captions in page order", False,
           readability_pages),
    DevSet("l3s-gn1", "expected.txt: body only (no headline, byline, dateline or captions)", True,
           lambda: labelled_pages("l3s-gn1")),
    DevSet("dragnet-news", "expected.txt: the only label, the page's whole visible main content (headline, "
           "byline, dateline, body): each tool is scored on its own headline + byline + body", True,
           lambda: labelled_pages("dragnet-news", header_in_label=True)),
    DevSet("dragnet-news/body", "expected.txt as above, each tool scored on its body alone (the headline and "
           "byline lines of the label count as missed)", True, lambda: labelled_pages("dragnet-news")),
    DevSet("wcxb-news", "expected.txt: main text only (no headline, byline or most captions); "
           "82 labels drafted from a trafilatura port", True,
           lambda: labelled_pages("wcxb-news", "subsets.json")),
    DevSet("fixtures", "expected.json body, figcaption lines moved to captions", False, fixture_pages),
]


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


def score_tools(pages: list[Page], tools: dict, keep_outputs: bool = False) -> dict[str, Score]:
    """Run every tool on each page in turn (rotating the order) so machine load hits all alike."""
    scores = {name: Score() for name in tools}
    names = list(tools)
    for i, page in enumerate(pages):
        for name in names[i % len(names):] + names[:i % len(names)]:
            run, meta = tools[name]
            out = _timed(scores[name], run, page)
            if page.captions_in_label and out.get("captions"):
                out["text"] = in_page_order(page, out["text"], out["captions"])
            if page.header_in_label:
                out["text"] = with_header(out, meta and _safe(meta, page, {}))
            p, r = precision_recall(page.text, out["text"])
            score = scores[name]
            score.precisions.append(p)
            score.recalls.append(r)
            score.per_page[page.name] = _f1(p, r)
            if keep_outputs:
                score.outputs[page.name] = out["text"]
            if meta and "title" not in out and page.author is not None:  # metadata only where labelled
                out.update(_safe(meta, page, {}))
            _score_meta(score, page, out)
    return scores


def with_header(out: dict, meta: dict | None) -> str:
    """The tool's own headline and byline (from its metadata call when its text call has none)
    above its body: what a label of the page's whole visible main content holds."""
    header = {**(meta or {}), **{k: out[k] for k in ("title", "author") if out.get(k)}}
    return "\n".join(filter(None, (header.get("title"), header.get("author"), out["text"])))


def in_page_order(page: Page, body: str, captions: str) -> str:
    """Body and caption lines merged in the order they appear in the page's text (captions are
    kept apart by the cleaner; a label that keeps them inline is compared in page order)."""
    doc = lxml.html.fromstring(page.html)
    for el in doc.iter("script", "style", "noscript", "template"):
        el.drop_tree()
    text = " ".join(doc.text_content().split())
    merged, last = [], 0
    for line in body.split("\n"):
        pos = text.find(line, last)
        last = pos if pos >= 0 else last
        merged.append((last, 0, line))
    for line in captions.split("\n"):
        pos = text.find(line)
        merged.append((pos if pos >= 0 else len(text), 1, line))
    return "\n".join(line for _, _, line in sorted(merged, key=lambda m: (m[0], m[1])))


def _timed(score: Score, run: Callable, page: Page) -> dict:
    start = time.perf_counter()
    out = _safe(run, page, {"text": ""})
    score.seconds.append(time.perf_counter() - start)
    return out


def _safe(fn: Callable, page: Page, default: dict) -> dict:
    """A tool that crashes on a page scores that page as empty output (readability-lxml
    raises LookupError on windows-874, for instance)."""
    try:
        return fn(page.html, page.url)
    except Exception as exc:  # noqa: BLE001 - any failure counts as no output
        print(f"  ({getattr(fn, '__name__', fn)} failed on {page.name}: {type(exc).__name__}: {exc})",
              file=sys.stderr)
        return dict(default)


def _score_meta(score: Score, page: Page, out: dict) -> None:
    if page.title is not None and "title" in out:
        empty = not page.title and not out.get("title")
        score.meta_hits.setdefault("title", []).append(_same_text(page.title, out.get("title")) or empty)
        score.meta_hits.setdefault("title_site", []).append(
            _same_title_ignoring_site(page.title, out.get("title")) or empty)
    if page.author:
        score.meta_hits.setdefault("author", []).append(_same_author(page.author, out.get("author")))
    if page.published:
        score.meta_hits.setdefault("published", []).append(_same_moment(page.published, out.get("published")))


def bootstrap(a: Score, b: Score, rounds: int = 1000, seed: int = 17) -> tuple[float, float, float]:
    """Paired bootstrap over pages of F1(a) - F1(b): (difference, 2.5th and 97.5th percentiles)."""
    n = len(a.precisions)
    rng = random.Random(seed)
    diffs = []
    for _ in range(rounds):
        idx = [rng.randrange(n) for _ in range(n)]
        fa = _f1(statistics.fmean(a.precisions[i] for i in idx), statistics.fmean(a.recalls[i] for i in idx))
        fb = _f1(statistics.fmean(b.precisions[i] for i in idx), statistics.fmean(b.recalls[i] for i in idx))
        diffs.append(fa - fb)
    diffs.sort()
    return a.f1() - b.f1(), diffs[int(0.025 * rounds)], diffs[int(0.975 * rounds) - 1]


def subset_score(s: Score, idx: list[int]) -> Score:
    return Score([s.precisions[i] for i in idx], [s.recalls[i] for i in idx], [s.seconds[i] for i in idx])


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


def subset_table(results: dict[str, Score], pages: list[Page]) -> str:
    names = sorted({s for p in pages for s in p.subsets})
    rows = ["| subset | pages | " + " | ".join(f"{t} F1" for t in results) + " |",
            "|---|---|" + "---|" * len(results)]
    for subset in names:
        idx = [i for i, p in enumerate(pages) if subset in p.subsets]
        cells = [f"{subset_score(s, idx).f1():.4f}" for s in results.values()]
        rows.append(f"| {subset} | {len(idx)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def best_other(results: dict[str, Score], idx: list[int] | None = None) -> str | None:
    others = [t for t in results if t != CLEANER]
    pick = (lambda t: results[t]) if idx is None else (lambda t: subset_score(results[t], idx))
    return max(others, key=lambda t: pick(t).f1()) if others else None


def comparison_line(results: dict[str, Score], label: str, idx: list[int] | None = None) -> tuple[str, tuple]:
    """'newswatch - best other' with its paired bootstrap interval, for the whole set or a subset."""
    other = best_other(results, idx)
    if CLEANER not in results or other is None:
        return "", ()
    a, b = results[CLEANER], results[other]
    if idx is not None:
        a, b = subset_score(a, idx), subset_score(b, idx)
    diff, lo, hi = bootstrap(a, b)
    verdict = "above zero" if lo > 0 else "not above zero"
    return (f"{label}: newswatch - {other} = {diff:+.4f}, 95% paired bootstrap [{lo:+.4f}, {hi:+.4f}] "
            f"({verdict})", (other, diff, lo, hi))


def _line_found(line: str, bag: Counter, vocabulary: set[str]) -> bool:
    """A line counts as in the other text when most of its shingles (or words, if short) are there."""
    toks = tokens(line)
    if len(toks) < 4:
        return all(t in vocabulary for t in toks)
    grams = shingles(line)
    return sum((grams & bag).values()) >= 0.5 * sum(grams.values())


def line_diff(expected: str, got: str) -> tuple[list[str], list[str]]:
    """Lines the tool kept that the label lacks, and label lines the tool missed."""
    truth, pred = shingles(expected), shingles(got)
    truth_words, pred_words = set(tokens(expected)), set(tokens(got))
    extra = [ln for ln in got.split("\n") if tokens(ln) and not _line_found(ln, truth, truth_words)]
    missed = [ln for ln in expected.split("\n") if tokens(ln) and not _line_found(ln, pred, pred_words)]
    return extra, missed


def per_page_report(results: dict[str, Score], pages: list[Page], count: int) -> str:
    """The pages where the cleaner trails the best other tool most, with the lines that differ."""
    other = best_other(results)
    mine = results[CLEANER]
    theirs = results[other] if other else None
    gap = {p.name: mine.per_page[p.name] - (theirs.per_page[p.name] if theirs else 1.0) for p in pages}
    out = [f"Worst pages against {other or 'the label'} (cleaner F1 - other F1):"]
    by_name = {p.name: p for p in pages}
    for name in sorted(gap, key=gap.get)[:count]:
        page = by_name[name]
        extra, missed = line_diff(page.text, mine.outputs.get(name, ""))
        other_f1 = f"{theirs.per_page[name]:.3f}" if theirs else "-"
        out.append(f"\n### {name} ({page.url})  cleaner {mine.per_page[name]:.3f}  {other} {other_f1}  "
                   f"gap {gap[name]:+.3f}")
        out += [f"  + {_short(ln)}" for ln in extra[:25]] + ([f"  + … {len(extra) - 25} more"] if len(extra) > 25 else [])
        out += [f"  - {_short(ln)}" for ln in missed[:15]] + ([f"  - … {len(missed) - 15} more"] if len(missed) > 15 else [])
    return "\n".join(out)


def _short(line: str, limit: int = 160) -> str:
    return line if len(line) <= limit else line[:limit] + "…"


def summary_table(rows: list[dict]) -> str:
    head = ["| set | pages | label scored | " + " | ".join(f"{t} P / R / F1" for t in TOOLS) +
            " | newswatch - best other (95% CI) | median ms/page (newswatch / trafilatura) | churn |",
            "|---|---|---|" + "---|" * len(TOOLS) + "---|---|---|"]
    for row in rows:
        cells = [f"{s.p():.3f} / {s.r():.3f} / **{s.f1():.3f}**" if s else "-" for s in
                 (row["results"].get(t) for t in TOOLS)]
        cmp = row["cmp"]
        cmp_cell = f"{cmp[1]:+.3f} vs {cmp[0]} [{cmp[2]:+.3f}, {cmp[3]:+.3f}]" if cmp else "-"
        ms = {t: 1000 * statistics.median(s.seconds) for t, s in row["results"].items()}
        ms_cell = f"{ms.get(CLEANER, 0):.1f} / {ms.get('trafilatura', 0):.1f}" if ms else "-"
        head.append(f"| {row['name']} | {row['pages']} | {row['label_file']} | " + " | ".join(cells) +
                    f" | {cmp_cell} | {ms_cell} | {row['churn']} |")
    return "\n".join(head)


def run_set(spec: DevSet, tools: dict, args: argparse.Namespace) -> dict:
    pages = spec.load()
    if args.limit:
        pages = pages[::max(1, len(pages) // args.limit)][:args.limit]
    results = score_tools(pages, tools, keep_outputs=bool(args.per_page))
    print(table(f"{spec.name} ({len(pages)} pages; scored on {spec.label})", results), "\n")
    if any(p.subsets for p in pages):
        print(subset_table(results, pages), "\n")
    line, cmp = comparison_line(results, "whole set")
    if line:
        print(line)
    for subset in sorted({s for p in pages for s in p.subsets if s.endswith("/news")}):
        idx = [i for i, p in enumerate(pages) if subset in p.subsets]
        print(comparison_line(results, f"subset {subset} ({len(idx)} pages)", idx)[0])
    churn = "-"
    if not args.no_churn and CLEANER in tools and spec.name != "fixtures" and "/" not in spec.name:
        changed, total, names = churned_pages(pages)
        churn = f"{changed}/{total} ({100 * changed / max(total, 1):.1f}%)"
        print(f"churn on real markup: {churn} pages changed their cleaned title/byline/body/captions"
              + (f": {', '.join(names[:20])}" if names else ""))
    if spec.name == "fixtures" and CLEANER in results:
        s = results[CLEANER]
        print("Per-page F1 of the cleaner on fixtures: min "
              f"{min(s.per_page.values()):.4f}; pages below 1.0: "
              f"{', '.join(k for k, v in s.per_page.items() if v < 1.0) or 'none'}")
    if args.per_page and CLEANER in results:
        print("\n" + per_page_report(results, pages, args.per_page))
    print()
    return {"name": spec.name, "pages": len(pages), "label_file": spec.label.split(":")[0],
            "results": results, "cmp": cmp, "churn": churn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", help="comma-separated set names (default: all): " + ", ".join(s.name for s in SETS))
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per set, spread evenly")
    parser.add_argument("--per-page", type=int, default=0, metavar="N",
                        help="list the N pages where the cleaner trails the best other tool most, with line diffs")
    parser.add_argument("--only", choices=list(TOOLS), help="run one tool")
    parser.add_argument("--no-churn", action="store_true", help="skip the churn check on real markup")
    args = parser.parse_args()
    tools = {k: v for k, v in TOOLS.items() if not args.only or k == args.only}
    wanted = set(args.sets.split(",")) if args.sets else {s.name for s in SETS}
    unknown = wanted - {s.name for s in SETS}
    if unknown:
        parser.error(f"unknown set(s) {', '.join(sorted(unknown))}; choose from {', '.join(s.name for s in SETS)}")
    print(f"Command: `.venv/bin/python bench/extraction.py{''.join(' ' + a for a in sys.argv[1:])}`")
    print(f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; trafilatura {trafilatura.__version__}\n")
    rows = [run_set(spec, tools, args) for spec in SETS if spec.name in wanted]
    print("**Summary**\n")
    print(summary_table(rows))


if __name__ == "__main__":
    main()
