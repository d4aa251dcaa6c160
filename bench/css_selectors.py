"""What per-source CSS selectors cost the cleaner: soupsieve (through the tag mirror of
crawler/cleaner/selectors.py) against lxml's cssselect, on the shared test pages.

Run from the repo root:  .venv/bin/python bench/css_selectors.py [--pages N]

Per page (median over pages, best of 5 runs each): clean() without selectors; clean() with
three drop_selectors and a body_selector; the mirror alone; the three drop selectors matched
by soupsieve (mirror included) and by cssselect (compiled once). Also counts the pages where
the two engines match different elements (selectors both accept).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO.parent / "shared" / "datasets" / "readability-test-pages"
sys.path.insert(0, str(REPO))

from lxml.cssselect import CSSSelector  # noqa: E402

from crawler.cleaner import clean  # noqa: E402
from crawler.cleaner.encoding import decode_html  # noqa: E402
from crawler.cleaner.extract import parse_html  # noqa: E402
from crawler.cleaner.selectors import _mirror, select  # noqa: E402

DROP = ["aside", "div[class*=share], div[class*=related]", "p:empty"]
BODY = "article, main, #content"


def best_ms(function, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    files = sorted(PAGES.glob("*/source.html"))[: args.pages]
    css = [CSSSelector(s) for s in DROP]
    timings: dict[str, list[float]] = {k: [] for k in ("clean", "clean+selectors", "mirror",
                                                        "soupsieve", "cssselect")}
    differ = 0
    for path in files:
        html = path.read_bytes()
        tree = parse_html(decode_html(html, None)[0])
        if tree is None:
            continue
        timings["clean"].append(best_ms(lambda: clean(html)))
        timings["clean+selectors"].append(best_ms(lambda: clean(html, drop_selectors=DROP, body_selector=BODY)))
        timings["mirror"].append(best_ms(lambda: _mirror(tree)))
        timings["soupsieve"].append(best_ms(lambda: select(tree, DROP)))
        timings["cssselect"].append(best_ms(lambda: [el for c in css for el in c(tree)]))
        where = tree.getroottree().getpath
        differ += {where(el) for c in css for el in c(tree)} != {where(el) for el in select(tree, DROP)}
    print(f"{len(timings['clean'])} pages of {PAGES.name}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          "median ms per page:")
    for name, values in timings.items():
        print(f"  {name:16} {statistics.median(values):7.2f}")
    print(f"  pages where the engines matched different elements: {differ}")


if __name__ == "__main__":
    main()
