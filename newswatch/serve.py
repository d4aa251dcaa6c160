"""`newswatch serve`: Datasette on the database, read-only, with the packaged metadata (titles,
descriptions, full-text search, canned queries) and the diff pages plugin (issue 7)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

METADATA = Path(__file__).with_name("datasette_metadata.json")
PLUGINS_DIR = Path(__file__).with_name("datasette_plugins")
PLUGIN_MODULE = "newswatch.datasette_plugins.newswatch_diff"


def metadata_for(db_path: str | Path, public_url: str | None = None) -> dict:
    """The packaged metadata, its database entry renamed to this file's Datasette name (its stem)."""
    data = json.loads(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {Path(db_path).stem: data["databases"]["newswatch"]}
    data["plugins"] = {"newswatch": {"read_only": True, "public_url": public_url}}
    return data


def plugin_installed() -> bool:
    """True when the package's entry point registered the plugin already (an installed newswatch);
    otherwise `serve` loads it from its directory, so a plain checkout works too."""
    from datasette.plugins import pm

    return any(getattr(p, "__name__", "") == PLUGIN_MODULE for p in pm.get_plugins())


def make_datasette(db_path: str | Path, public_url: str | None = None):
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=metadata_for(db_path, public_url),
                     plugins_dir=None if plugin_installed() else str(PLUGINS_DIR),
                     settings={"sql_time_limit_ms": 5000}, cors=False)


def serve_database(db_path: str | Path, *, host: str, port: int, public_url: str | None = None,
                   echo: Callable[[str], None] = print) -> None:
    """Run Datasette in the foreground until Ctrl-C / SIGTERM. The database is opened with
    ?mode=ro, and every connection also gets PRAGMA query_only (the plugin's read_only)."""
    import asyncio

    import uvicorn

    ds = make_datasette(db_path, public_url)
    # As `datasette serve` does: plugins' startup hooks first, on a loop of their own.
    asyncio.new_event_loop().run_until_complete(ds.invoke_startup())
    echo(f"newswatch: serving {db_path} read-only at http://{host}:{port}/ "
         f"(changes: /{Path(db_path).stem}/changes, diffs: /-/newswatch/diff/ID); Ctrl-C stops")
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
