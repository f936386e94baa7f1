"""Load export days of one source from the landing zone into raw.<source>.

Idempotent by export day: loading a day replaces every row that day contributed (to the raw table
and to the quarantine) in one transaction, so re-running never duplicates and a crash never leaves
half a day. A day whose file is unreadable or lacks a required column is recorded as failed, and a
day whose folder is missing as missing; in both cases rows loaded for it earlier stay untouched
(absence of a file is no evidence that its rows are gone), and the other days still load.

A bad file is an expected outcome, not a crash: whatever reading it raises fails its own day with
a one-line message naming the file (and the column where known), and if checking a whole batch
still fails, the batch is retried day by day so only the day at fault is failed.

With ``only_changed`` (the daily path), a day whose inputs have the digest of its last successful
load is left as it is, status ``unchanged`` (digest.py says what the digest covers and why).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from lending.contract import Source
from lending.contract.model import LINEAGE_COLUMNS
from lending.ingestion.conform import combine
from lending.ingestion.digest import day_digest, loaded_digests, source_digest
from lending.ingestion.errors import LandingFileError
from lending.ingestion.files import files_for_day, ignored_files, relative_name
from lending.ingestion.readers import read_file
from lending.ingestion.schema import ensure_raw_schema
from lending.ingestion.validate import checked_rows_sql
from lending.reference import ensure_reference

BATCH_DAYS = 31  # days validated in one SQL pass: bounds memory, amortises per-statement cost
# Threads reading landing files while the previous batch is checked and written (_read_batches).
READ_THREADS = 2


@dataclass
class DayResult:
    source: str
    day: dt.date
    status: str  # loaded | missing | failed | unchanged (not loaded again: same inputs)
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    extra_columns: list[str] = field(default_factory=list)
    missing_optional_columns: list[str] = field(default_factory=list)
    error: str | None = None
    input_digest: str | None = None  # digest.py: the day's files, contract and reference data
    ignored_files: list[str] = field(default_factory=list)  # in the folder, not of the format


def _batches(days: list[dt.date], size: int) -> Iterator[list[dt.date]]:
    for i in range(0, len(days), size):
        yield days[i : i + size]


# What reading a file can raise besides LandingFileError: a damaged file surfaces as any of these
# from pyarrow, DuckDB or the codecs. Each is an expected outcome that fails the file's day only.
READ_ERRORS = (pa.ArrowException, duckdb.Error, OSError, ValueError, UnicodeError)
# What checking one day's rows can raise because of what is in them (a value or type the checks
# cannot handle), as opposed to a problem of the warehouse itself (I/O, locks, memory), which
# must stop the load rather than be booked as a bad day.
DATA_ERRORS = (pa.ArrowException, duckdb.ConversionException, duckdb.InvalidInputException,
               duckdb.OutOfRangeException, duckdb.TypeMismatchException,
               duckdb.InvalidTypeException, duckdb.BinderException,
               duckdb.NotImplementedException)


def _read_day(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, day: dt.date,
    source_part: str, unchanged_if: str | None = None,
) -> tuple[DayResult, list[pa.Table]]:
    """Read one export day (``source_part``: ``source_digest``); status ``unchanged``, nothing
    read, if its inputs' digest is ``unchanged_if``."""
    result, tables = _read_export_files(con, landing_dir, source, day, source_part, unchanged_if)
    result.ignored_files = [relative_name(landing_dir, f)
                            for f in ignored_files(landing_dir, source, day)]
    return result, tables


def _read_export_files(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, day: dt.date,
    source_part: str, unchanged_if: str | None,
) -> tuple[DayResult, list[pa.Table]]:
    files = files_for_day(landing_dir, source, day)
    if files is None:
        return DayResult(source.name, day, "missing"), []
    names = [relative_name(landing_dir, f) for f in files]
    try:
        digest = day_digest(source_part, files, names)
    except OSError as exc:
        failed = DayResult(source.name, day, "failed", files=names)
        where = str(exc.filename or files[0].parent)
        return _failed(failed, str(LandingFileError(where, f"cannot read file: {exc}"))), []
    if digest == unchanged_if:
        return DayResult(source.name, day, "unchanged", files=names, input_digest=digest), []
    result = DayResult(source.name, day, "loaded", files=names, input_digest=digest)
    tables = []
    for path, name in zip(files, result.files, strict=True):
        try:
            rows = read_file(path, source, con)
        except LandingFileError as exc:
            return _failed(result, str(exc)), []
        except READ_ERRORS as exc:
            return _failed(result, str(LandingFileError(str(path), f"cannot read file: {exc}"))), []
        n = rows.table.num_rows
        tables.append(
            rows.table.append_column("_source_file", pa.array([name] * n, pa.string()))
            .append_column("_partition_date", pa.array([day] * n, pa.date32()))
        )
        result.extra_columns = sorted(set(result.extra_columns) | set(rows.extra_columns))
        result.missing_optional_columns = sorted(
            set(result.missing_optional_columns) | set(rows.absent_columns)
        )
    return result, tables


def _failed(result: DayResult, error: str) -> DayResult:
    return DayResult(result.source, result.day, "failed", files=result.files,
                     error=" ".join(error.split()), input_digest=result.input_digest)


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
        batch = combine(tables)
        con.register("_landing_batch", batch)
        try:
            types = dict(con.execute(
                "select column_name, column_type from (describe _landing_batch)").fetchall())
            con.execute(
                "create or replace temp table _checked as "
                + checked_rows_sql(source, "_landing_batch", types)
            )
        finally:
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
            log = [r for r in results if r.status == status]
            if log:  # one statement per status: executemany costs milliseconds per row here
                rows = _load_log_rows(log)
                columns = ", ".join(rows.column_names)
                con.register("_load_log_rows", rows)
                try:
                    con.execute(f"insert {verb} into raw.load_log ({columns}, _ingested_at) "
                                f"select {columns}, ?::timestamptz from _load_log_rows",
                                [ingested_at])
                finally:
                    con.unregister("_load_log_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists _checked")


def _load_log_rows(results: list[DayResult]) -> pa.Table:
    """raw.load_log rows of ``results`` (every column but _ingested_at)."""
    return pa.table({
        "source": pa.array([r.source for r in results], pa.string()),
        "_partition_date": pa.array([r.day for r in results], pa.date32()),
        "status": pa.array([r.status for r in results], pa.string()),
        "files": pa.array([r.files for r in results], pa.list_(pa.string())),
        "rows_read": pa.array([r.rows_read for r in results], pa.int64()),
        "rows_loaded": pa.array([r.rows_loaded for r in results], pa.int64()),
        "rows_quarantined": pa.array([r.rows_quarantined for r in results], pa.int64()),
        "extra_columns": pa.array([r.extra_columns for r in results], pa.list_(pa.string())),
        "missing_optional_columns": pa.array([r.missing_optional_columns for r in results],
                                             pa.list_(pa.string())),
        "error": pa.array([r.error for r in results], pa.string()),
        "input_digest": pa.array([r.input_digest for r in results], pa.string()),
    })


def load_days(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: Source,
    days: Iterable[dt.date],
    ingested_at: dt.datetime | None = None,
    batch_days: int = BATCH_DAYS,
    only_changed: bool = False,
) -> list[DayResult]:
    """Load the given export days of ``source``; returns one DayResult per day, in day order.

    ``only_changed``: leave a day whose inputs are those of its last successful load as it is
    (status ``unchanged``); otherwise every given day is loaded again."""
    ensure_raw_schema(con)
    ensure_reference(con)  # codes are checked against reference.* (loaded once if absent)
    ingested_at = ingested_at or dt.datetime.now(dt.UTC)
    landing_dir = Path(landing_dir)
    source_part = source_digest(con, source)
    previous = loaded_digests(con, source) if only_changed else {}
    results: list[DayResult] = []
    batches = _read_batches(con, landing_dir, source, _batches(sorted(set(days)), batch_days),
                            source_part, previous)
    with closing(batches):  # a failed write stops the reading ahead at once
        for read in batches:
            batch_results = [result for result, _ in read]
            tables = {result.day: day_tables for result, day_tables in read}
            pending = [r for r in batch_results if r.status != "unchanged"]
            written = {r.day: r for r in (
                _write_days(con, source, pending, tables, ingested_at) if pending else [])}
            results += [written.get(r.day, r) for r in batch_results]
    return results


def _read_batches(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source,
    batches: Iterable[list[dt.date]], source_part: str, previous: dict[dt.date, str],
) -> Iterator[list[tuple[DayResult, list[pa.Table]]]]:
    """``_read_day`` of every day of each batch, in day order, reading one batch ahead.

    Why: reading is most of a load (the demo's touchpoints: 10.4 s of 17.4 s parse their 546
    JSON-lines files one by one) and runs mostly outside the GIL (Arrow's CSV and Parquet
    readers, DuckDB's JSON functions, hashing), while checking and writing a batch is DuckDB's
    work. So ``READ_THREADS`` threads read the files of the next batch while the caller checks
    and writes this one. Each thread has a cursor of its own (a DuckDB connection is not shared
    between threads; the JSON reader's temporary tables are per connection); what each day reads
    and how a bad file fails its day are ``_read_day``'s, unchanged. At most two batches of
    tables are held at a time.
    """
    local, cursors, lock = threading.local(), [], threading.Lock()

    def read(day: dt.date) -> tuple[DayResult, list[pa.Table]]:
        cursor = getattr(local, "cursor", None)
        if cursor is None:
            cursor = local.cursor = con.cursor()
            with lock:
                cursors.append(cursor)
        return _read_day(cursor, landing_dir, source, day, source_part, previous.get(day))

    pool = ThreadPoolExecutor(READ_THREADS, thread_name_prefix=f"read-{source.name}")
    try:
        batches = iter(batches)
        ahead = [pool.submit(read, day) for day in next(batches, [])]
        while ahead:
            current, ahead = ahead, [pool.submit(read, day) for day in next(batches, [])]
            yield [future.result() for future in current]
    finally:  # queued reads are dropped, those in flight finish
        pool.shutdown(wait=True, cancel_futures=True)
        for cursor in cursors:
            cursor.close()


def _write_days(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    results: list[DayResult],
    tables: dict[dt.date, list[pa.Table]],
    ingested_at: dt.datetime,
) -> list[DayResult]:
    """Write a batch in one pass; if that fails, day by day, so a bad day fails alone.

    Reading already isolates unreadable files; this guards the combined check and write, where
    one day's data could still trip an error, so that the other days of the batch are committed
    all the same. Returns the results, with the days that could not be written marked failed.
    """
    try:
        _write_batch(con, source, results, [t for ts in tables.values() for t in ts], ingested_at)
        return results
    except DATA_ERRORS as exc:
        loaded = [r for r in results if r.status == "loaded"]
        if not loaded:
            raise  # nothing of the landing data involved: a warehouse problem, not a file's
        if len(results) == 1:
            failed = _failed(loaded[0], f"{', '.join(loaded[0].files)}: cannot check rows: {exc}")
            _write_batch(con, source, [failed], [], ingested_at)
            return [failed]
    others = [r for r in results if r.status != "loaded"]
    if others:
        _write_batch(con, source, others, [], ingested_at)
    written = {r.day: r for r in others}
    for r in results:
        if r.status == "loaded":
            [written[r.day]] = _write_days(con, source, [r], {r.day: tables[r.day]}, ingested_at)
    return [written[r.day] for r in results]
