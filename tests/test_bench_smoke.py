"""`make bench QUICK=1` as a smoke test: the benchmark runs end to end against nginx and
prints its table with every ratio. No timing is asserted: CI machines are shared and noisy."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from run import RATIOS  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                                reason="nginx is not installed (make system-deps installs it)")


def test_quick_benchmark_prints_the_table_and_every_ratio():
    done = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick",
                           "--articles", "80"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "| measurement | baseline | newswatch | ratio | target |" in out
    for row in ("do-nothing Scrapy spider", "naive pipeline", "**fresh crawl**",
                "validators honoured", "validators ignored", "chrome churn",
                "bytes per stored version", "bytes per check row"):
        assert row in out, f"{row!r} missing from the table:\n{out}"
    for name in RATIOS:
        assert re.search(rf"^ratio {name} = \d+\.\d\d$", out, re.M), f"ratio {name} missing:\n{out}"
    # with the server ignoring validators, no unchanged raw body reached the cleaner
    assert "unchanged raw bodies cleaned: 0)" in out
