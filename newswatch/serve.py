"""`newswatch serve`: Datasette on the database, read-only, with the packaged metadata (titles,
descriptions, full-text search, canned queries) and the diff pages plugin."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

METADATA = Path(__file__).with_name("datasette_metadata.json")
PLUGINS_DIR = Path(__file__).with_name("datasette_plugins")
PLUGIN_MODULE = "newswatch.datasette_plugins.newswatch_diff"
# What one request may cost. Datasette has settings for rows and time, none for bytes, so the
# plugin enforces two byte caps: a value (string or blob) of at most MAX_CELL_BYTES, as the
# SQLite connection's SQLITE_LIMIT_LENGTH (a query making a bigger one fails at once, before
# the memory is taken), and a response of at most MAX_RESPONSE_BYTES. A CSV stream stops a
# megabyte short of that with Datasette's own message.
MAX_CELL_BYTES = 1 << 20
MAX_RESPONSE_BYTES = 16 << 20
SETTINGS = {"sql_time_limit_ms": 5000, "max_returned_rows": 1000,
            "max_csv_mb": (MAX_RESPONSE_BYTES >> 20) - 1}


def metadata_for(db_path: str | Path, public_url: str | None = None) -> dict:
    """The packaged metadata, its database entry renamed to this file's Datasette name (its stem)."""
    data = json.loads(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {Path(db_path).stem: data["databases"]["newswatch"]}
    data["plugins"] = {"newswatch": {"read_only": True, "public_url": public_url,
                                     "max_cell_bytes": MAX_CELL_BYTES,
                                     "max_response_bytes": MAX_RESPONSE_BYTES}}
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
                     settings=SETTINGS, cors=False)


def network_warning(host: str) -> str | None:
    """One line when `host` is reachable from other machines: the web view has no login."""
    import ipaddress

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False  # a host name: it may resolve to any interface
    if loopback:
        return None
    where = "every interface" if host in ("0.0.0.0", "::", "[::]") else host
    return (f"warning: --host {host} binds {where}: the web view is reachable from the network, "
            "without authentication; put authentication in front (a Datasette auth plugin such "
            "as datasette-auth-passwords, or a reverse proxy that asks for a login) or use "
            "--host 127.0.0.1")


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
