"""Edit the sources file (add or remove a [[source]]) with tomlkit, keeping the user's comments and
layout; every edit is validated by `load_config` and written atomically (temp file, fsync, rename)."""
from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

import tomlkit

from crawler.sources import Config, SourceConfigError, load_config

# For tests of the write window: when set, `write_atomically` creates this file once the new
# text is complete and fsynced beside the old one, then waits before the rename, so that a test
# can kill the process there (tests/test_add.py) and check that the old file is intact.
PAUSE_ENV = "NEWSWATCH_TEST_PAUSE_BEFORE_RENAME"


def read_document(path: Path) -> tomlkit.TOMLDocument:
    """The sources file as a tomlkit document (an empty one when the file does not exist yet)."""
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except tomlkit.exceptions.ParseError as exc:
        raise SourceConfigError(path, f"not valid TOML: {exc}") from None


def source_table(values: dict, comments: list[str] = ()) -> tomlkit.items.Table:
    """A [[source]] table with its keys in `values`' order and `comments` after them."""
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, tomlkit.string(value, literal=True) if key == "article_pattern" else value)
    for comment in comments:
        table.add(tomlkit.comment(comment))
    return table


def append_source(path: Path, values: dict, comments: list[str] = ()) -> Config:
    """Append a [[source]] to the sources file (created if missing); returns the new config."""
    document = read_document(path)
    sources = document.get("source")
    if sources is None:
        sources = tomlkit.aot()
        document.append("source", sources)
    elif len(sources) and not tomlkit.dumps(document).endswith("\n\n"):
        sources[-1].add(tomlkit.nl())  # a blank line between the user's last table and ours
    sources.append(source_table(values, comments))
    return save(path, document)


def extend_source(path: Path, name: str, values: dict, comments: list[str] = ()) -> Config:
    """Give the existing [[source]] `name` the keys in `values` it lacks (an articles-only source
    becomes a site's source); keys it has are left as the user wrote them."""
    document = read_document(path)
    table = next((t for t in document.get("source") or [] if t.get("name") == name), None)
    if table is None:
        load_config(path).source(name)
    for key, value in values.items():
        if key not in table:
            table.add(key, tomlkit.string(value, literal=True) if key == "article_pattern" else value)
    for comment in comments:
        table.add(tomlkit.comment(comment))
    return save(path, document)


def preview(values: dict, comments: list[str] = ()) -> str:
    """The TOML of one [[source]], as `append_source` would write it."""
    document = tomlkit.document()
    sources = tomlkit.aot()
    sources.append(source_table(values, comments))
    document.append("source", sources)
    return tomlkit.dumps(document)


def remove_source(path: Path, name: str) -> Config:
    """Take the [[source]] named `name` out of the sources file; returns the new config."""
    document = read_document(path)
    sources = document.get("source") or []
    kept = [t for t in sources if t.get("name") != name]
    if len(kept) == len(sources):
        load_config(path).source(name)  # raises the usual "no source named …, known: …"
    while len(sources):
        sources.pop()
    for table in kept:
        sources.append(table)
    if not kept:
        del document["source"]
    return save(path, document)


def save(path: Path, document: tomlkit.TOMLDocument) -> Config:
    """Validate the edited text as the crawl will read it, then write it atomically."""
    text = tomlkit.dumps(document)
    config = validate(path, text)
    write_atomically(path, text)
    return config


def validate(path: Path, text: str) -> Config:
    """`load_config` on `text` (from a temporary file), errors naming the real file."""
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / path.name
        trial.write_text(text, encoding="utf-8")
        try:
            config = load_config(trial)
        except SourceConfigError as exc:
            raise SourceConfigError(path, f"the edit would make it invalid: {exc.why}",
                                    key=exc.key, line=exc.line) from None
    return dataclasses.replace(config, path=path)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader or a crash sees the old file or the new one, never
    half of one: a temporary file in the same directory, fsync, rename (POSIX rename(2) is atomic),
    then fsync of the directory so that the rename itself survives a power loss."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o7777)
        _pause_for_tests()
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(60)
