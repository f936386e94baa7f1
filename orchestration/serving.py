"""Publish a read-only serving snapshot of the marts for BI tools and analysts.

DuckDB allows one writer per file and a reader cannot open a file a writer holds, so BI tools
never read the warehouse itself: they read ``<serving>/lending.duckdb``, a copy of the published
schemas written to a temporary file and swapped in with ``os.replace`` (atomic). A reader that
has the old snapshot open keeps a consistent view; the next connection sees the new one.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import duckdb

SNAPSHOT_NAME = "lending.duckdb"
PUBLISHED_SCHEMAS = ("marts", "intermediate")


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, serving_dir: Path, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> dict[str, int]:
    """Copy every table and view of ``schemas`` into a fresh snapshot file; returns row counts."""
    serving_dir = Path(serving_dir)
    serving_dir.mkdir(parents=True, exist_ok=True)
    tmp = serving_dir / f".{SNAPSHOT_NAME}.{uuid.uuid4().hex}.tmp"
    relations = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in (select unnest(?::varchar[])) order by 1, 2",
        [list(schemas)],
    ).fetchall()
    counts: dict[str, int] = {}
    con.execute(f"attach '{tmp}' as _snapshot")
    try:
        for schema in sorted({s for s, _ in relations}):
            con.execute(f'create schema _snapshot."{schema}"')
        for schema, name in relations:
            con.execute(
                f'create table _snapshot."{schema}"."{name}" as select * from "{schema}"."{name}"'
            )
            counts[f"{schema}.{name}"] = con.execute(
                f'select count(*) from _snapshot."{schema}"."{name}"'
            ).fetchone()[0]
        con.execute(
            "create table _snapshot.main.snapshot_info as select ?::timestamptz as published_at",
            [dt.datetime.now(dt.UTC)],
        )
    finally:
        con.execute("detach _snapshot")
    os.replace(tmp, serving_dir / SNAPSHOT_NAME)
    return counts
