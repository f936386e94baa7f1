"""Read one landing file into an Arrow table of candidate rows, without judging the values.

CSV goes through pyarrow's reader rather than DuckDB's: DuckDB's ``read_csv`` skips blank lines
silently and numbers only the rows it keeps, so quarantine rows could not name their true line.
JSON lines are split in C (``str.split``) and parsed by DuckDB's JSON functions; Parquet is read
by DuckDB with ``file_row_number``. No Python loop touches a row.

Every reader returns the contract columns that the file has (as text for CSV/JSON lines, as
stored for Parquet), ``_source_row`` (1-based data row, header excluded) and ``_raw_line`` (the
text of a row that could not even be split into columns, else null), plus the lists of extra and
absent contract columns. Structural damage to single rows becomes a quarantine reason later;
damage to the whole file (unreadable, required column missing) raises LandingFileError.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.contract import Source
from orchestration.ingestion.errors import LandingFileError


@dataclass
class FileRows:
    table: pa.Table  # contract columns present + _source_row + _raw_line + _structural_error
    extra_columns: list[str]
    absent_columns: list[str]  # contract columns the file lacks (all optional, else raised)


def _check_columns(path: Path, source: Source, present: list[str]) -> tuple[list[str], list[str]]:
    absent = [c for c in source.column_names if c not in present]
    for name in absent:
        if source.column(name).required:
            raise LandingFileError(str(path), "required column is missing", column=name)
    extra = sorted(c for c in present if c not in source.column_names)
    return extra, absent


def _with_structure(table: pa.Table, rows: np.ndarray, raw_line: pa.Array, error: pa.Array):
    return (
        table.append_column("_source_row", pa.array(rows, pa.int64()))
        .append_column("_raw_line", raw_line)
        .append_column("_structural_error", error)
    )


def _bad_rows(source_cols: list[str], numbers: list[int], texts: list[str], reason: str):
    n = len(numbers)
    cols = {c: pa.nulls(n, pa.string()) for c in source_cols}
    cols["_source_row"] = pa.array(numbers, pa.int64())
    cols["_raw_line"] = pa.array(texts, pa.string())
    cols["_structural_error"] = pa.array([reason] * n, pa.string())
    return pa.table(cols)


def read_csv(path: Path, source: Source) -> FileRows:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), None)
    except (OSError, UnicodeDecodeError) as exc:
        raise LandingFileError(str(path), f"cannot read file: {exc}") from exc
    if header is None:
        raise LandingFileError(str(path), "file is empty (no header row)")
    header = [h.strip() for h in header]
    extra, absent = _check_columns(path, source, header)
    bad_numbers: list[int] = []
    bad_texts: list[str] = []

    def on_invalid(row) -> str:  # called only for rows with the wrong number of fields
        bad_numbers.append(row.number - 1)  # row.number counts the header line
        bad_texts.append(row.text)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, column_names=header, skip_rows=1),
            # A blank line is a row with one empty field: quarantined as malformed_row, so every
            # data line keeps its number.
            parse_options=pacsv.ParseOptions(
                invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                null_values=[""],
                strings_can_be_null=True,
                include_columns=[c for c in source.column_names if c in header],
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise LandingFileError(str(path), f"cannot parse CSV: {exc}") from exc
    total = table.num_rows + len(bad_numbers)
    rows = np.setdiff1d(np.arange(1, total + 1), np.asarray(bad_numbers, dtype=np.int64))
    n = table.num_rows
    good = _with_structure(table, rows, pa.nulls(n, pa.string()), pa.nulls(n, pa.string()))
    if bad_numbers:
        bad = _bad_rows(table.column_names, bad_numbers, bad_texts, "malformed_row")
        good = pa.concat_tables([good, bad])
    return FileRows(good, extra, absent)


def read_jsonl(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> FileRows:
    """JSON lines: each line parsed by DuckDB's JSON functions, so one bad line costs one row."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise LandingFileError(str(path), f"cannot read file: {exc}") from exc
    if lines and lines[-1] == "":
        lines.pop()
    raw = pa.table(
        {"line": pa.array(lines, pa.string()),
         "_source_row": pa.array(np.arange(1, len(lines) + 1), pa.int64())}
    )
    con.register("_jsonl_lines", raw)
    try:
        # json_valid never raises; the other JSON functions only ever see valid objects.
        valid = "(json_valid(line) and starts_with(ltrim(line), '{'))"
        con.execute(
            f"""create or replace temp table _jsonl_rows as
                select line, _source_row, {valid} as is_valid,
                       case when {valid} then line else '{{}}' end as obj
                from _jsonl_lines"""
        )
        keys = con.execute("select distinct unnest(json_keys(obj)) from _jsonl_rows").fetchall()
        present = sorted(k for (k,) in keys)
        if lines and present:
            extra, absent = _check_columns(path, source, present)
        else:  # no parseable row: nothing to judge columns by
            extra, absent = [], []
        cols = [c for c in source.column_names if c not in absent]
        select = ", ".join(f"json_extract_string(obj, '$.\"{c}\"') as \"{c}\"" for c in cols)
        table = con.sql(
            f"""select {select}{',' if cols else ''} _source_row,
                   case when not is_valid then line end as _raw_line,
                   case when not is_valid then 'malformed_json' end as _structural_error
                from _jsonl_rows order by _source_row"""
        ).to_arrow_table()
    finally:
        con.unregister("_jsonl_lines")
        con.execute("drop table if exists _jsonl_rows")
    return FileRows(table, extra, absent)


def read_parquet(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> FileRows:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise LandingFileError(str(path), f"cannot read Parquet: {exc}") from exc
    extra, absent = _check_columns(path, source, schema.names)
    for col in source.columns:
        if col.type == "timestamptz" and col.name in schema.names:
            field_type = schema.field(col.name).type
            if pa.types.is_timestamp(field_type) and field_type.tz is None:
                raise LandingFileError(
                    str(path), "timestamp has no time zone (the contract needs an instant)",
                    column=col.name,
                )
    cols = ", ".join(f'"{c}"' for c in source.column_names if c not in absent)
    try:
        table = con.sql(
            f"""select {cols}, file_row_number + 1 as _source_row,
                   null::varchar as _raw_line, null::varchar as _structural_error
                from read_parquet($path, file_row_number = true)""",
            params={"path": str(path)},
        ).to_arrow_table()
    except duckdb.Error as exc:
        raise LandingFileError(str(path), f"cannot read Parquet: {exc}") from exc
    return FileRows(table, extra, absent)


def read_file(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> FileRows:
    if source.format == "csv":
        return read_csv(path, source)
    if source.format == "jsonl":
        return read_jsonl(path, source, con)
    return read_parquet(path, source, con)

