"""Start a crawl in a child process (`python -m crawler.run`), and what parent and child agree on:
its command line, its exit codes and its stop signals."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_CONFIG = 2
# The database cannot be written or read (disk full, file damaged, directory not writable): the
# crawl stopped and said why in one line (a worker of a sharded crawl: on stdout, for its parent).
EXIT_STORAGE = 3
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def child_command(db: Path | str, sources: Path | str, mode: str, *, source_names: Sequence[str] = (),
                  every: bool = False, urls: Sequence[str] = (), verbose: bool = False,
                  progress_every: float | None = None, shard: tuple[int, int] | None = None,
                  crawl_id: int | str | None = None, max_crawls: int | None = None) -> list[str]:
    """The argument list of a child crawl (an argument list, never a shell string)."""
    command = [sys.executable, "-m", "crawler.run", "--db", str(db), "--sources", str(sources), mode,
               "--parent-pid", str(os.getpid())]  # the child stops when this process is gone
    if shard is not None:  # One of N worker processes, adding to the crawl row crawl_id
        command += ["--shard", f"{shard[0]}/{shard[1]}", "--crawl-id", str(crawl_id)]
    for name in source_names:
        command += ["--source", name]
    for url in urls:
        command += ["--url", url]
    if every:
        command.append("--all")
    if verbose:
        command.append("--verbose")
    if progress_every is not None:
        command += ["--progress-every", str(progress_every)]
    if max_crawls is not None:
        command += ["--max-crawls", str(max_crawls)]
    return command


def start_child(command: list[str], **popen_kwargs) -> subprocess.Popen:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    env.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    # A process group of its own: Ctrl-C at a terminal reaches this process only, which passes
    # the stop on once (scheduler.crawls); a second signal would make Scrapy stop uncleanly.
    if not popen_kwargs.get("start_new_session"):
        popen_kwargs.setdefault("process_group", 0)
    # The child starts with the stop signals blocked (a signal mask survives fork and exec): one
    # sent before its main() can handle it stays pending instead of killing it half-started.
    unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        return subprocess.Popen(command, env=env, **popen_kwargs)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
