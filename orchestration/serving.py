"""Publish a read-only serving snapshot of the marts for BI tools and analysts.

DuckDB allows one writer per file and a reader cannot open a file a writer holds, so BI tools
never read the warehouse itself: they read ``<serving>/lending.duckdb``, a copy of the published
schemas written to a temporary file and swapped in with ``os.replace`` (atomic). A reader that
has the old snapshot open keeps a consistent view; the next connection sees the new one.

A crash at any moment (SIGKILL, power cut) leaves either the previous snapshot or the new one,
never a half-written file: the temporary file is flushed to disk before the swap, and a temporary
file left by a killed run is removed by the next publish. Each snapshot carries its own identity
(``main.snapshot_info``: version id, publish time) and the row count of every table it holds
(``main.snapshot_row_counts``), so a reader can check it sees one complete version.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import duckdb

SNAPSHOT_NAME = "lending.duckdb"
PUBLISHED_SCHEMAS = ("marts", "intermediate")
_TMP_GLOB = f".{SNAPSHOT_NAME}.*.tmp*"  # the temporary file and its DuckDB write-ahead log


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temporaries(serving_dir: Path) -> list[Path]:
    """Delete temporary files a killed publish left behind (the writer pool runs one at a time)."""
    stale = sorted(Path(serving_dir).glob(_TMP_GLOB))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, serving_dir: Path, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> dict[str, int]:
    """Copy every table and view of ``schemas`` into a fresh snapshot file; returns row counts."""
    serving_dir = Path(serving_dir)
    serving_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(serving_dir)
    version = uuid.uuid4().hex
    tmp = serving_dir / f".{SNAPSHOT_NAME}.{version}.tmp"
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
            "create table _snapshot.main.snapshot_info as "
            "select ?::varchar as version_id, ?::timestamptz as published_at",
            [version, dt.datetime.now(dt.UTC)],
        )
        con.execute(
            "create table _snapshot.main.snapshot_row_counts "
            "(relation varchar primary key, row_count bigint not null)"
        )
        if counts:
            con.executemany(
                "insert into _snapshot.main.snapshot_row_counts values (?, ?)", list(counts.items())
            )
    finally:
        con.execute("detach _snapshot")  # checkpoints: the file is complete on its own
    _fsync(tmp)
    os.replace(tmp, serving_dir / SNAPSHOT_NAME)
    _fsync(serving_dir)  # make the rename itself durable
    return counts
