"""DDL of the raw layer, derived from the landing contract.

``raw.<source>`` holds the contract columns (typed) plus lineage columns; ``raw.quarantine`` holds
rows that failed the contract, with the reasons, file and row; ``raw.load_log`` holds one row per
source and export day loaded, with counts and status.
"""

from __future__ import annotations

import duckdb

from lending.contract import Contract, Source, load_contract
from lending.contract.model import LINEAGE_COLUMNS

RAW_SCHEMA = "raw"
QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    source varchar not null,
    _source_file varchar not null,
    _source_row bigint not null,
    _partition_date date not null,
    reasons varchar[] not null,
    columns varchar[] not null,
    record json,
    _ingested_at timestamptz not null
)
"""

LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    source varchar not null,
    _partition_date date not null,
    status varchar not null,            -- loaded | missing | failed
    files varchar[] not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    extra_columns varchar[] not null,
    missing_optional_columns varchar[] not null,
    error varchar,
    _ingested_at timestamptz not null,
    input_digest varchar,               -- the day's files, contract and reference data (digest.py)
    primary key (source, _partition_date)
)
"""
# Warehouses created before input_digest existed get the column (null: their days load once more).
LOAD_LOG_MIGRATION = "alter table raw.load_log add column if not exists input_digest varchar"


def raw_table_ddl(source: Source) -> str:
    cols = [f"    {c.name} {c.type}" for c in source.columns]
    cols += [f"    {name} {dtype} not null" for name, (dtype, _) in LINEAGE_COLUMNS.items()]
    return f"create table if not exists raw.{source.name} (\n" + ",\n".join(cols) + "\n)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, contract: Contract | None = None) -> None:
    """Create the raw schema and every table if missing (idempotent)."""
    contract = contract or load_contract()
    con.execute("create schema if not exists raw")
    for source in contract.sources.values():
        con.execute(raw_table_ddl(source))
    con.execute(QUARANTINE_DDL)
    con.execute(LOAD_LOG_DDL)
    con.execute(LOAD_LOG_MIGRATION)


if __name__ == "__main__":
    import sys

    with duckdb.connect(sys.argv[1]) as connection:
        ensure_raw_schema(connection)
