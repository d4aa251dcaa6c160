"""What `newswatch status` reports: per source, the daemon's schedule and extraction health."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from scheduler import health
from crawler.sources import Config
from db import operations, page_saves
from db.schema import open_db
from scheduler.lock import running_pid


def status_report(db_path: Path, config: Config, now: datetime | None = None) -> dict:
    """A dict (JSON-ready) with the daemon, its next runs and one entry per source.

    Sources are those of the sources file plus any the database still tracks. Next run times
    come from the `jobs` table the daemon keeps current, and only while a daemon holds the
    database; without one they are null.
    """
    now = now or datetime.now(timezone.utc)
    db = open_db(db_path, readonly=True)
    try:
        pid = running_pid(db_path)
        jobs = operations.jobs(db)
        names = [s.name for s in config.sources]
        names += [n for n in operations.tracked_sources(db) if n not in names]
        (recent_from, recent_to), (history_from, history_to) = health.windows(now)
        sources = []
        for name in names:
            row = operations.source_status(db, name, now)
            recent = operations.extraction_numbers(db, name, recent_from, recent_to)
            row["extraction"] = {
                "warning": health.extraction_warning(
                    recent, operations.extraction_numbers(db, name, history_from, history_to)),
                "checks_24h": recent["checks"], "failed_24h": recent["failed"],
                "median_body_24h": recent["median_body"]}
            row["in_sources_file"] = name in {s.name for s in config.sources}
            job = jobs.get(f"discover:{name}", {})
            row["next_discovery_at"] = job.get("next_run_at") if pid else None
            sources.append(row)
        recheck = jobs.get("recheck", {})
        return {"now": now.isoformat(timespec="seconds"),
                "daemon": {"running": pid is not None, "pid": pid},
                "next_recheck_at": recheck.get("next_run_at") if pid else None,
                "last_recheck": {k: recheck.get(k) for k in ("last_started_at", "last_finished_at",
                                                             "last_outcome", "last_crawl_id")},
                "due_now": operations.due_count(db, now),
                "save_page_now": page_saves.summary(db) if "page_saves" in db.table_names() else None,
                "warnings": [f"{s['source']}: {s['extraction']['warning']}" for s in sources
                             if s["extraction"]["warning"]],
                "sources": sources}
    finally:
        db.close()
