"""Reference data: the lender's business code lists, read from a folder of CSV files.

Channels, products, loan terms, event types ... are the lender's, not the platform's: they live
in one folder of CSV files (``LENDING_REFERENCE_DIR``, default ``<repo>/reference``), one file per
reference table declared under ``reference:`` in the landing contract. This module checks the files
(every problem reported with file, row and column, all at once) and loads them into the warehouse
as ``reference.<table>``, where ingestion checks codes against them (validate.py) and dbt reads
them (source ``reference``, views ``stg_ref_<table>``). Nothing else in the platform lists codes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from lending.contract import Contract, load_contract
from lending.contract.model import ReferenceTable

SCHEMA = "reference"
MAX_ERRORS_SHOWN = 20


class ReferenceDataError(ValueError):
    """The reference folder cannot be used; the message lists every problem found."""


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def reference_file(reference_dir: Path, table: ReferenceTable) -> Path:
    return Path(reference_dir) / table.file_name


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _stage(con: duckdb.DuckDBPyConnection, path: Path, table: ReferenceTable) -> list[str]:
    """Read ``path`` as text into temp table ``_ref_<name>`` (with the 1-based data row in
    ``_row``); return the problems found: unreadable file, missing required column, empty
    required value, value of the wrong type, duplicate key."""
    shown = display_path(path)
    if not path.is_file():
        return [f"{shown}: file is missing (copy it from the defaults in <repo>/reference)"]
    staged = f"_ref_{table.name}"
    try:
        con.execute(
            f"""create or replace temp table {staged} as
                select row_number() over () as _row, *
                from read_csv({_quote(str(path))}, header = true, all_varchar = true,
                              delim = ',', quote = '"', escape = '"')"""
        )
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        return [f"{shown}: cannot be read as CSV ({first_line})"]
    present = {c for (c,) in con.execute(f"select column_name from (describe {staged})").fetchall()}
    errors = [
        f"{shown}: required column {c.name!r} is missing (header: "
        f"{', '.join(sorted(present - {'_row'}))})"
        for c in table.columns if c.required and c.name not in present
    ]
    if errors:
        return errors
    for col in (c for c in table.columns if c.name in present):
        value = f'nullif(trim("{col.name}"), \'\')'
        problems = con.execute(
            f"""select _row, "{col.name}",
                       case when {value} is null then 'empty value'
                            else 'not a valid {col.type}' end
                from {staged}
                where ({value} is null and {col.required})
                   or ({value} is not null and try_cast({value} as {col.type}) is null)
                order by _row"""
        ).fetchall()
        errors += [f"{shown} row {row}, column {col.name}: {what} ({raw!r})"
                   for row, raw, what in problems]
    key = f'try_cast(nullif(trim("{table.key.name}"), \'\') as {table.key.type})'
    duplicates = con.execute(
        f"""select {key}, list(_row order by _row) from {staged}
            where {key} is not null group by 1 having count(*) > 1 order by min(_row)"""
    ).fetchall()
    errors += [f"{shown} rows {', '.join(map(str, rows))}, column {table.key.name}: "
               f"duplicate code {code!r}" for code, rows in duplicates]
    return errors


def _select_typed(table: ReferenceTable, present: set[str]) -> str:
    cols = [
        f'try_cast(nullif(trim("{c.name}"), \'\') as {c.type}) as "{c.name}"' if c.name in present
        else f'cast(null as {c.type}) as "{c.name}"'
        for c in table.columns
    ]
    return f"select {', '.join(cols)} from _ref_{table.name} order by _row"


def load_reference(
    con: duckdb.DuckDBPyConnection, reference_dir: Path, contract: Contract | None = None
) -> dict[str, int]:
    """Check every reference file, then replace ``reference.<table>`` with their contents in one
    transaction (all tables or none). Returns the row count per table.

    Raises ReferenceDataError listing every problem (file, row, column) when any file is bad;
    the warehouse then keeps the reference it had.
    """
    contract = contract or load_contract()
    errors: list[str] = []
    present: dict[str, set[str]] = {}
    try:
        for table in contract.reference.values():
            problems = _stage(con, reference_file(reference_dir, table), table)
            errors += problems
            if not problems:
                present[table.name] = {c for (c,) in con.execute(
                    f"select column_name from (describe _ref_{table.name})").fetchall()}
        if errors:
            shown = errors[:MAX_ERRORS_SHOWN]
            more = len(errors) - len(shown)
            raise ReferenceDataError(
                f"reference data in {display_path(Path(reference_dir))} is invalid:\n  "
                + "\n  ".join(shown) + (f"\n  ... and {more} more" if more else "")
            )
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {SCHEMA}")
            for table in contract.reference.values():
                con.execute(f"create or replace table {SCHEMA}.{table.name} as "
                            + _select_typed(table, present[table.name]))
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        return {
            name: con.execute(f"select count(*) from {SCHEMA}.{name}").fetchone()[0]
            for name in contract.reference
        }
    finally:
        for table in contract.reference.values():
            con.execute(f"drop table if exists _ref_{table.name}")


def ensure_reference(
    con: duckdb.DuckDBPyConnection, reference_dir: Path | None = None,
    contract: Contract | None = None,
) -> None:
    """Load the reference folder unless every reference table is already in the warehouse.

    The Dagster asset reloads the folder at every ingestion run; this guard lets the plain
    ingestion functions (``load_days``) run on a fresh warehouse too.
    """
    contract = contract or load_contract()
    loaded = {n for (n,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = ? "
        "and database_name = current_database()", [SCHEMA]).fetchall()}
    if set(contract.reference) - loaded:
        if reference_dir is None:
            from lending.settings import Settings

            reference_dir = Settings.from_env().reference_dir
        load_reference(con, reference_dir, contract)
