"""Export the raw schema to a Parquet lake, so engines other than DuckDB read the same landing data.

The ingestion assets load the contract-checked landing exports into DuckDB's ``raw`` schema. A
Spark (or Databricks) warehouse cannot read a DuckDB file, but every engine reads Parquet: this
writes each raw table to ``<lake>/raw/<table>/part-0.parquet``, the layout the dbt ``spark`` target
registers as the ``raw`` sources (macro ``register_lake_sources``). Same rows, same types, so the
landing contract feeds both engines.

Each table is written to a temporary folder and swapped in with ``os.replace``: re-running the
export is safe and a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

PARQUET_FILE = "part-0.parquet"


def export_raw_to_parquet(
    con: duckdb.DuckDBPyConnection,
    lake_dir: Path,
    tables: list[str] | None = None,
    schema: str = "raw",
) -> dict[str, int]:
    """Write ``schema``'s tables (all, or ``tables``) to ``<lake_dir>/<schema>/<table>/``.

    Returns the rows written per table. A requested table that does not exist is an error naming
    it, not a silent gap in the lake.
    """
    existing = {
        name for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type = 'BASE TABLE'", [schema]
        ).fetchall()
    }
    wanted = sorted(existing) if tables is None else list(tables)
    missing = [t for t in wanted if t not in existing]
    if missing:
        raise ValueError(f"export to Parquet: no table {schema}.{missing[0]} in the warehouse "
                         f"(tables in {schema}: {', '.join(sorted(existing)) or 'none'})")
    root = Path(lake_dir) / schema
    root.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in wanted:
        tmp = root / f".{table}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
        con.execute(
            f"copy (select * from \"{schema}\".\"{table}\") to '{tmp / PARQUET_FILE}' "
            "(format parquet, compression zstd)"
        )
        final = root / table
        old = root / f".{table}.{uuid.uuid4().hex}.old"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        counts[table] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    return counts
