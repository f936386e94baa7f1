"""Edits of a simulated landing zone that real deliveries make: a re-delivered day that drops and
changes rows, late rows dated weeks back, a corrected row (a new version of an old key).

Files are rewritten in their own format (csv, jsonl, parquet) so that ingestion reads them as it
reads real exports; csv and jsonl values stay the text the simulator wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lending.contract import load_contract
from lending.ingestion.files import day_dir, files_for_day

Row = dict[str, object]


def read_day(landing: Path, source: str, day: dt.date) -> list[Row]:
    """Every row of one export day of ``source`` (all of its files), as dicts."""
    spec = load_contract().sources[source]
    rows: list[Row] = []
    for path in files_for_day(landing, spec, day) or []:
        rows += _read(path, spec.format)
    return rows


def write_day(landing: Path, source: str, day: dt.date, rows: list[Row],
              name: str | None = None) -> Path:
    """Replace the export day's files by one file holding ``rows`` (or, with ``name``, add a file
    of that name beside the others). The format and, for Parquet, the schema of the day's first
    file are kept."""
    spec = load_contract().sources[source]
    folder = day_dir(landing, source, day)
    existing = files_for_day(landing, spec, day) or []
    schema = pq.read_schema(existing[0]) if existing and spec.format == "parquet" else None
    if name is None:
        for path in existing:
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{source}.{spec.extension}")
    columns = spec.column_names
    if spec.format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: ("" if r.get(c) is None else r[c]) for c in columns} for r in rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    elif spec.format == "jsonl":
        path.write_text("".join(json.dumps({c: r.get(c) for c in columns}) + "\n" for r in rows),
                        encoding="utf-8")
    else:
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows], schema=schema)
        pq.write_table(table, path)
    return path


def edit_day(landing: Path, source: str, day: dt.date,
             edit: Callable[[list[Row]], list[Row]]) -> list[Row]:
    """Re-deliver an export day: its rows passed through ``edit``. Returns the new rows."""
    rows = edit(read_day(landing, source, day))
    write_day(landing, source, day, rows)
    return rows


def shift_timestamp(value: object, days: int) -> object:
    """A timestamp value (ISO text or datetime) moved by ``days``, in the same representation."""
    if isinstance(value, str):
        return (dt.datetime.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    return value + dt.timedelta(days=days)


def _read(path: Path, fmt: str) -> list[Row]:
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [{k: (v if v != "" else None) for k, v in row.items()}
                    for row in csv.DictReader(handle)]
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return pq.read_table(path).to_pylist()
