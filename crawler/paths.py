"""Where the database and the sources file are: spider argument, then setting, then env, then default."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "newswatch.db"
DEFAULT_SOURCES = "sources.toml"


def resolve(explicit: str | None, setting: str | None, env: str, default: str) -> Path:
    return Path(explicit or setting or os.environ.get(env) or default)


def db_path(settings, explicit: str | None = None) -> Path:
    return resolve(explicit, settings.get("NEWSWATCH_DB"), "NEWSWATCH_DB", DEFAULT_DB)


def sources_path(settings, explicit: str | None = None) -> Path:
    return resolve(explicit, settings.get("NEWSWATCH_SOURCES"), "NEWSWATCH_SOURCES", DEFAULT_SOURCES)
