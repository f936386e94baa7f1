"""Load export days of one source from the landing zone into raw.<source>.

Idempotent by export day: loading a day replaces every row that day contributed (to the raw table
and to the quarantine) in one transaction, so re-running never duplicates and a crash never leaves
half a day. A day whose file is unreadable or lacks a required column is recorded as failed, and a
day whose folder is missing as missing; in both cases rows loaded for it earlier stay untouched
(absence of a file is no evidence that its rows are gone), and the other days still load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.contract import Source
from orchestration.contract.model import LINEAGE_COLUMNS
from orchestration.ingestion.errors import LandingFileError
from orchestration.ingestion.files import files_for_day, relative_name
from orchestration.ingestion.readers import read_file
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.ingestion.validate import checked_rows_sql
from orchestration.reference import ensure_reference

BATCH_DAYS = 31  # days validated in one SQL pass: bounds memory, amortises per-statement cost


@dataclass
class DayResult:
    source: str
    day: dt.date
    status: str  # loaded | missing | failed
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    extra_columns: list[str] = field(default_factory=list)
    missing_optional_columns: list[str] = field(default_factory=list)
    error: str | None = None


def _batches(days: list[dt.date], size: int) -> Iterator[list[dt.date]]:
    for i in range(0, len(days), size):
        yield days[i : i + size]


def _read_day(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, day: dt.date
) -> tuple[DayResult, list[pa.Table]]:
    files = files_for_day(landing_dir, source, day)
    if files is None:
        return DayResult(source.name, day, "missing"), []
    result = DayResult(source.name, day, "loaded", files=[relative_name(landing_dir, f) for f in files])
    tables = []
    try:
        for path, name in zip(files, result.files, strict=True):
            rows = read_file(path, source, con)
            n = rows.table.num_rows
            tables.append(
                rows.table.append_column("_source_file", pa.array([name] * n, pa.string()))
                .append_column("_partition_date", pa.array([day] * n, pa.date32()))
            )
            result.extra_columns = sorted(set(result.extra_columns) | set(rows.extra_columns))
            result.missing_optional_columns = sorted(
                set(result.missing_optional_columns) | set(rows.absent_columns)
            )
    except LandingFileError as exc:
        return DayResult(source.name, day, "failed", files=result.files, error=str(exc)), []
    return result, tables


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    results: list[DayResult],
    tables: list[pa.Table],
    ingested_at: dt.datetime,
) -> None:
    replace_days = [r.day for r in results if r.status == "loaded"]
    contract_cols = ", ".join(f'"{c}"' for c in source.column_names)
    lineage_cols = ", ".join(LINEAGE_COLUMNS)
    if tables:
        batch = pa.concat_tables(tables, promote_options="permissive")
        con.register("_landing_batch", batch)
        types = dict(con.execute("select column_name, column_type from (describe _landing_batch)")
                     .fetchall())
        con.execute(
            "create or replace temp table _checked as "
            + checked_rows_sql(source, "_landing_batch", types)
        )
        con.unregister("_landing_batch")
        counts = con.execute(
            """select _partition_date, count(*), count(*) filter (where len(reasons) = 0)
               from _checked group by 1"""
        ).fetchall()
        by_day = {d: (n, good) for d, n, good in counts}
        for r in results:
            if r.status == "loaded":
                n, good = by_day.get(r.day, (0, 0))
                r.rows_read, r.rows_loaded, r.rows_quarantined = n, good, n - good
    con.execute("begin transaction")
    try:
        con.execute(
            f"delete from raw.{source.name} where list_contains(?::date[], _partition_date)",
            [replace_days],
        )
        con.execute(
            "delete from raw.quarantine where source = ? "
            "and list_contains(?::date[], _partition_date)",
            [source.name, replace_days],
        )
        if tables:
            con.execute(
                f"""insert into raw.{source.name} ({contract_cols}, {lineage_cols})
                    select {contract_cols}, _source_file, _source_row, _partition_date,
                           ?::timestamptz
                    from _checked where len(reasons) = 0
                    order by _partition_date, _source_file, _source_row""",
                [ingested_at],
            )
            con.execute(
                """insert into raw.quarantine
                   select ?, _source_file, _source_row, _partition_date, reasons,
                          list_sort(list_distinct(list_filter(
                              list_transform(reasons, lambda r: split_part(r, ':', 2)),
                              lambda c: c <> ''))),
                          record, ?::timestamptz
                   from _checked where len(reasons) > 0
                   order by _partition_date, _source_file, _source_row""",
                [source.name, ingested_at],
            )
        for status, verb in (("loaded", "or replace"), ("failed", "or replace"),
                             ("missing", "or ignore")):  # keep the record of an earlier load
            rows = [
                [r.source, r.day, r.status, r.files, r.rows_read, r.rows_loaded,
                 r.rows_quarantined, r.extra_columns, r.missing_optional_columns, r.error,
                 ingested_at]
                for r in results if r.status == status
            ]
            if rows:
                con.executemany(
                    f"insert {verb} into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists _checked")


def load_days(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: Source,
    days: Iterable[dt.date],
    ingested_at: dt.datetime | None = None,
    batch_days: int = BATCH_DAYS,
) -> list[DayResult]:
    """Load the given export days of ``source``; returns one DayResult per day, in day order."""
    ensure_raw_schema(con)
    ensure_reference(con)  # codes are checked against reference.* (loaded once if absent)
    ingested_at = ingested_at or dt.datetime.now(dt.UTC)
    landing_dir = Path(landing_dir)
    results: list[DayResult] = []
    for batch in _batches(sorted(set(days)), batch_days):
        batch_results, tables = [], []
        for day in batch:
            result, day_tables = _read_day(con, landing_dir, source, day)
            batch_results.append(result)
            tables += day_tables
        _write_batch(con, source, batch_results, tables, ingested_at)
        results += batch_results
    return results
