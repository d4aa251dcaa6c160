"""`make demo` as a new user meets it: the pipeline runs end to end and every command it prints
runs exactly as printed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


NEWSWATCH = Path(sys.executable).parent / "newswatch"


@pytest.mark.skipif(not NEWSWATCH.exists(), reason="the newswatch console script is not installed")
def test_the_demo_runs_and_its_hints_run_as_printed(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no venv on PATH, as after `make demo`
    result = subprocess.run([str(NEWSWATCH), "demo"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "edits found:" in out and "demo finished" in out
    hints = [line.strip() for line in out.split("Explore the database:")[1].splitlines() if line.strip()]
    assert len(hints) >= 5
    for hint in hints:
        command = hint.split("   ")[0].strip()  # drop the "(browse it …)" remark
        if " serve" in command:
            command = command.replace(" serve", " serve --help")  # serving blocks; its flags must parse
        ran = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
        assert ran.returncode == 0, f"{command!r} failed: {ran.stderr}"
        assert ran.stdout.strip(), f"{command!r} printed nothing"
    assert (tmp_path / "newswatch.db").exists()
