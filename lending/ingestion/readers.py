"""Readers: one landing file -> an Arrow table of candidate rows, without judging the values.

CSV goes through pyarrow's reader rather than DuckDB's: DuckDB's ``read_csv`` skips blank lines
silently and numbers only the rows it keeps, so quarantine rows could not name their true line.
JSON lines are split in C (``str.split``) and parsed by DuckDB's JSON functions; Parquet is read
by pyarrow and its columns brought to the contract's types (see conform.py). No Python loop
touches a good row.

Every reader returns the contract columns that the file has (as text for CSV/JSON lines, in the
contract type or as text for Parquet), ``_source_row`` (1-based data row, header excluded),
``_raw_line`` (the text of a row that could not even be split into columns, else null),
``_structural_error`` and ``_value_errors`` (per-value problems found while reading, such as a
nested JSON object where the contract has one value), plus the lists of extra and absent contract
columns. Damage to single rows becomes a quarantine reason later; damage to the whole file
(unreadable, undecodable, required column missing) raises LandingFileError.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lending.contract import Source
from lending.ingestion.conform import TEXT, VALUE_ERRORS, conform_column, value_errors
from lending.ingestion.errors import LandingFileError
from lending.ingestion.text import read_text

QUOTE, NEWLINE = ord('"'), ord("\n")


@dataclass
class FileRows:
    table: pa.Table  # contract columns present + _source_row, _raw_line, _structural_error,
    extra_columns: list[str]  # _value_errors
    absent_columns: list[str]  # contract columns the file lacks (all optional, else raised)


def _check_columns(path: Path, source: Source, present: list[str]) -> tuple[list[str], list[str]]:
    twice = sorted(c for c, n in Counter(present).items() if n > 1 and c in source.column_names)
    if twice:
        raise LandingFileError(str(path), "column appears more than once", column=twice[0])
    absent = [c for c in source.column_names if c not in present]
    for name in absent:
        if source.column(name).required:
            raise LandingFileError(str(path), "required column is missing", column=name)
    extra = sorted(c for c in present if c not in source.column_names and c)
    return extra, absent


def _with_structure(table: pa.Table, rows: np.ndarray, raw_line, error, errors=None) -> pa.Table:
    n = table.num_rows
    return (
        table.append_column("_source_row", pa.array(rows, pa.int64()))
        .append_column("_raw_line", raw_line if raw_line is not None else pa.nulls(n, TEXT))
        .append_column("_structural_error", error if error is not None else pa.nulls(n, TEXT))
        .append_column("_value_errors", errors if errors is not None else pa.nulls(n, VALUE_ERRORS))
    )


def _bad_rows(source_cols: list[str], numbers: list[int], texts: list[str], reason: str):
    n = len(numbers)
    cols = {c: pa.nulls(n, TEXT) for c in source_cols}
    table = pa.table(cols) if cols else pa.table({"_": pa.nulls(n)}).drop_columns(["_"])
    return _with_structure(table, np.asarray(numbers, np.int64), pa.array(texts, TEXT),
                           pa.array([reason] * n, TEXT))


def _line_count(data: bytes) -> int:
    """Physical lines (LF, CRLF or CR endings), counting a last line without a line break."""
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return breaks + (0 if data.endswith((b"\n", b"\r")) else 1)


def _blank_unpaired_quote_lines(path: Path, data: bytes) -> tuple[bytes, np.ndarray, list[str]]:
    """Blank every line with an odd number of quotes; return the data, their numbers and texts.

    Used only when the parser's records do not match the file's lines: an unclosed quote makes a
    CSV parser swallow every following line into one value, so good rows after it would vanish
    and every later row number would shift. A record is one line in this contract, so a line with
    an unpaired quote is malformed on its own; blanking it (keeping its line break) lets the
    parser read the rest with true numbers. Vectorised: quotes are counted per line with numpy.
    """
    norm = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    arr = np.frombuffer(norm, np.uint8)
    is_newline = arr == NEWLINE
    line_of = np.cumsum(is_newline) - is_newline  # a line break belongs to the line it ends
    n_lines = int(line_of[-1]) + 1 if len(arr) else 0
    quotes = np.bincount(line_of[arr == QUOTE], minlength=n_lines)
    broken = np.flatnonzero(quotes % 2 == 1)
    if len(broken) and broken[0] == 0:
        raise LandingFileError(str(path), "header row has an unpaired quote")
    starts = np.concatenate([[0], np.flatnonzero(is_newline) + 1])
    ends = np.concatenate([np.flatnonzero(is_newline), [len(arr)]])
    texts = [norm[starts[i] : ends[i]].decode("utf-8", "replace") for i in broken]  # bad only
    keep = is_newline | ~np.isin(line_of, broken)
    return arr[keep].tobytes(), broken, texts


def _parse_csv(data: bytes, header: list[str], source: Source):
    bad_numbers: list[int] = []
    bad_texts: list[str] = []

    def on_invalid(row) -> str:  # called only for rows with the wrong number of fields
        bad_numbers.append(row.number - 1)  # row.number counts the header line
        bad_texts.append(row.text)
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=False, column_names=header, skip_rows=1),
        # A blank line is a row of nulls (quarantined as empty_row), so every data line keeps
        # its number.
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={h: TEXT for h in header},
            null_values=[""],  # the contract's null spellings are applied by the row checks
            strings_can_be_null=True,
            include_columns=[c for c in source.column_names if c in header],
        ),
    )
    return table, bad_numbers, bad_texts


def read_csv(path: Path, source: Source) -> FileRows:
    text, data = read_text(path, source.encoding)
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    header = next(csv.reader([text[: min(ends)] if ends else text]), None)  # the first line
    del text
    if not header or header == [""]:
        raise LandingFileError(str(path), "file has no header row")
    header = [h.strip() for h in header]
    extra, absent = _check_columns(path, source, header)
    expected = _line_count(data) - 1  # data lines after the header
    broken, broken_texts = np.empty(0, np.int64), []
    try:
        table, bad_numbers, bad_texts = _parse_csv(data, header, source)
        if table.num_rows + len(bad_numbers) != expected:
            data, broken, broken_texts = _blank_unpaired_quote_lines(path, data)
            table, bad_numbers, bad_texts = _parse_csv(data, header, source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LandingFileError(str(path), f"cannot parse CSV: {exc}") from exc
    if table.num_rows + len(bad_numbers) != expected:
        raise LandingFileError(str(path), "cannot split the file into one row per line")
    rows = np.setdiff1d(np.arange(1, expected + 1), np.asarray(bad_numbers, dtype=np.int64))
    raw_line = error = None
    if len(broken):  # blanked lines came back as rows of nulls: mark them malformed
        is_broken = np.isin(rows, broken)
        line = np.full(len(rows), None, dtype=object)
        line[is_broken] = broken_texts
        raw_line = pa.array(line, TEXT)
        error = pa.array(np.where(is_broken, "malformed_row", None), TEXT)
    good = _with_structure(table, rows, raw_line, error)
    if bad_numbers:
        bad = _bad_rows(table.column_names, bad_numbers, bad_texts, "malformed_row")
        good = pa.concat_tables([good, bad])
    return FileRows(good, extra, absent)


def _json_columns_sql(cols: list[str], paths: str, any_odd: bool) -> str:
    """Each column's value as text, from one parse of the object per row.

    Most lines are plain: their values are taken as text (``ss``) at once. Lines that may hold
    something else (``odd``, rare) also get each value as JSON (``js``) to see its kind: an object
    or array where the contract has one value keeps its JSON text in the record but is
    quarantined (``nested_value``); NaN, the token Python's json module writes for a missing
    float, is null; Infinity cannot be any column type (``invalid_type``). So a value is never
    a token's text. The second branch only when the file has odd lines: its long expression
    alone costs more to plan than the plain lines cost to read.
    """
    plain = [f'ss[{i}] as "{c}"' for i, c in enumerate(cols, start=1)]
    selects, errors = [], []
    for i, c in enumerate(cols, start=1):
        js, ss = f"js[{i}]", f"ss[{i}]"
        number = f"(case when left({js}, 1) <> '\"' then try_cast({js} as double) end)"
        selects.append(f'case when isnan({number}) then null else {ss} end as "{c}"')
        errors.append(f"case when left({js}, 1) in ('{{', '[') then 'nested_value:{c}' "
                      f"when isinf({number}) then 'invalid_type:{c}' end")
    structure = ("_source_row, case when not is_valid then line end as _raw_line, "
                 "case when not is_valid then 'malformed_json' end as _structural_error")
    plain_sql = f"""
        select {', '.join([*plain, 'null::varchar[] as _value_errors', structure])}
        from (select *, json_extract_string(obj, {paths}) as ss from _jsonl_rows where not odd)"""
    if not any_odd:
        return plain_sql
    return plain_sql + f"""
        union all
        select {', '.join([*selects, "nullif(list_filter([" + ', '.join(errors) + "], "
                           "lambda e: e is not null), []) as _value_errors", structure])}
        from (select *, json_extract_string(obj, {paths}) as ss,
                     json_extract(obj, {paths}) as js from _jsonl_rows where odd)
        """  # row order does not matter: rows are numbered and sorted when written


# A line that may hold a non-standard token or a nested value after some key: only such lines
# (rare) get the per-value checks above. Errs on the safe side (a match inside a string is fine).
ODD_LINE = r":\s*[-+]?(nan|inf|\{|\[)"


def read_jsonl(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> FileRows:
    """JSON lines: each line parsed by DuckDB's JSON functions, so one bad line costs one row."""
    text, _ = read_text(path, source.encoding, empty_ok=True)  # no records: zero rows
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    # Split in Arrow (C++), not into a Python list of lines: far less memory and time.
    lines = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()
    del text
    if len(lines) and not lines[-1].as_py():
        lines = lines.slice(0, len(lines) - 1)  # the line break that ends the last line
    raw = pa.table(
        {"line": lines.cast(TEXT),
         "_source_row": pa.array(np.arange(1, len(lines) + 1), pa.int64())}
    )
    del lines
    con.register("_jsonl_lines", raw)
    try:
        # json_valid never raises; the other JSON functions only ever see valid objects. A blank
        # line reads as an object without values (quarantined as empty_row, like a blank CSV line).
        valid = "(json_valid(line) and starts_with(ltrim(line), '{'))"
        con.execute(
            f"""create or replace temp table _jsonl_rows as
                select line, _source_row, {valid} or trim(line) = '' as is_valid,
                       case when {valid} then line else '{{}}' end as obj,
                       {valid} and regexp_matches(line, '{ODD_LINE}', 'i') as odd
                from _jsonl_lines"""
        )
        keys = con.execute("select distinct unnest(json_keys(obj)) from _jsonl_rows").fetchall()
        present = sorted(k for (k,) in keys)
        [(any_odd,)] = con.execute("select bool_or(odd) from _jsonl_rows").fetchall()
        if raw.num_rows and present:
            extra, absent = _check_columns(path, source, present)
        else:  # no parseable row: nothing to judge columns by
            extra, absent = [], []
        cols = [c for c in source.column_names if c not in absent]
        paths = "[" + ", ".join("'$.\"" + c.replace("'", "''") + "\"'" for c in cols) + "]"
        if cols:
            table = con.sql(_json_columns_sql(cols, paths, bool(any_odd))).to_arrow_table()
        else:  # no contract column at all (only rows that are not JSON objects)
            table = con.sql(
                "select _source_row, case when not is_valid then line end as _raw_line, "
                "case when not is_valid then 'malformed_json' end as _structural_error, "
                "null::varchar[] as _value_errors from _jsonl_rows order by _source_row"
            ).to_arrow_table()
    finally:
        con.unregister("_jsonl_lines")
        con.execute("drop table if exists _jsonl_rows")
    # The structure columns in the order and types every reader uses.
    structure = ["_source_row", "_raw_line", "_structural_error", "_value_errors"]
    table = table.select([*cols, *structure]).cast(pa.schema(
        [pa.field(c, TEXT) for c in cols]
        + [pa.field("_source_row", pa.int64()), pa.field("_raw_line", TEXT),
           pa.field("_structural_error", TEXT), pa.field("_value_errors", VALUE_ERRORS)]))
    return FileRows(table, extra, absent)


def read_parquet(path: Path, source: Source) -> FileRows:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise LandingFileError(str(path), f"cannot read Parquet: {exc}") from exc
    extra, absent = _check_columns(path, source, schema.names)
    cols = [c for c in source.column_names if c not in absent]
    for name in cols:
        field_type = schema.field(name).type
        if (source.column(name).type == "timestamptz" and pa.types.is_timestamp(field_type)
                and field_type.tz is None):
            raise LandingFileError(
                str(path), "timestamp has no time zone (the contract needs an instant)",
                column=name,
            )
    try:
        table = pq.read_table(path, columns=cols)
    except (OSError, pa.ArrowException) as exc:
        raise LandingFileError(str(path), f"cannot read Parquet: {exc}") from exc
    n = table.num_rows
    columns, nested = {}, {}
    for name in cols:
        columns[name], mask = conform_column(table.column(name), source.column(name), str(path))
        if mask is not None:
            nested[name] = mask
    conformed = pa.table(columns) if cols else pa.table({"_": pa.nulls(n)}).drop_columns(["_"])
    return FileRows(
        _with_structure(conformed, np.arange(1, n + 1), None, None, value_errors(nested, n)),
        extra, absent,
    )


def read_file(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> FileRows:
    if source.format == "csv":
        return read_csv(path, source)
    if source.format == "jsonl":
        return read_jsonl(path, source, con)
    return read_parquet(path, source)
