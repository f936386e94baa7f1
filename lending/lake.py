"""Export warehouse schemas to a Parquet lake, so engines other than DuckDB read the same inputs.

The ingestion assets load the contract-checked landing exports into DuckDB's ``raw`` schema and
the lender's code lists into ``reference``; Python steps write their own schemas (e.g.
``attribution_py``). A Spark (or Databricks) warehouse cannot read a DuckDB file, but every engine
reads Parquet: this writes each table to ``<lake>/<schema>/<table>/part-0.parquet``, the layout
the dbt ``spark`` target registers as the sources of every schema in var ``lake_sources`` (macro
``register_lake_sources``). Same rows, same types, so the landing contract feeds both engines.

Each table is written to a temporary folder and swapped in with ``os.replace``: re-running the
export is safe and a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from lending.contract import Contract, load_contract
from lending.reference import SCHEMA as REFERENCE_SCHEMA

PARQUET_FILE = "part-0.parquet"


def export_inputs_to_parquet(
    con: duckdb.DuckDBPyConnection, lake_dir: Path, contract: Contract | None = None
) -> dict[str, dict[str, int]]:
    """Everything the landing contract puts in the warehouse: ``raw`` (its sources) and
    ``reference`` (its code lists). Returns the rows written per schema and table."""
    contract = contract or load_contract()
    return {
        # load_log: the incremental models' change summary reads it (docs/incremental.md)
        "raw": export_raw_to_parquet(con, lake_dir, tables=[*contract.sources, "load_log"]),
        REFERENCE_SCHEMA: export_raw_to_parquet(
            con, lake_dir, tables=list(contract.reference), schema=REFERENCE_SCHEMA),
    }


def export_raw_to_parquet(
    con: duckdb.DuckDBPyConnection,
    lake_dir: Path,
    tables: list[str] | None = None,
    schema: str = "raw",
) -> dict[str, int]:
    """Write ``schema``'s tables (all, or ``tables``) to ``<lake_dir>/<schema>/<table>/``.

    Despite the name (kept for its callers), any schema: ``raw``, ``reference``, or one a Python
    step wrote (``attribution_py``, ...).

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
