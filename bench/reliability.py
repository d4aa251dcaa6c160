"""Reliability figures: runs the hostile, crash, concurrency and property tests and
prints what each one tried, from the lines the tests print themselves.

    .venv/bin/python bench/reliability.py            # the CI-sized run (about 3 minutes)
    NEWSWATCH_LONG_TESTS=1 .venv/bin/python bench/reliability.py   # the long run
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = ["tests/test_hostile.py", "tests/test_crash.py", "tests/test_concurrency.py",
         "tests/test_properties.py", "tests/test_security.py"]
# The summary lines the tests print (with -s).
FIGURES = re.compile(r"^(hostile crawl:|/news/[\w-]+: |crash( \(store\))?:|concurrency:|fuzz:|crawl error:)")


def main() -> int:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", *FILES],
                            cwd=REPO, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        line = line.lstrip(".F")
        if FIGURES.match(line):
            print(line)
    print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:])
    print(f"reliability run: {time.monotonic() - started:.0f}s")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
