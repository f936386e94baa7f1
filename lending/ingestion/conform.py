"""Bring one file's columns to the contract's candidate types before files are combined.

Every reader hands over each contract column either in the column's own warehouse type (Parquet
written with the contract's types) or as text (CSV, JSON lines, and any Parquet column whose
physical type differs and cannot be cast exactly). A Parquet column of another type is cast when
the cast is exact for every value (int32 -> bigint, decimal(10,2) -> decimal(18,2), an integral
double -> integer); otherwise it becomes text, and the row checks then cast each value on its own:
a value that does not cast exactly is quarantined (``invalid_type`` / ``invalid_precision``), the
rest of the file loads. Floats go through their shortest decimal text, so 12.5 is 12.50 and
0.1 + 0.2 is flagged, not silently rounded. A float NaN is a missing value (what dataframe tools
write for null).

Files of one batch may then disagree (one day's money column is decimal, the next day's is text):
``combine`` turns such a column into text in every file of the batch, which is lossless (decimal,
date, integer and instant all print in a form the checks read back), so concatenation never fails
on a type.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lending.contract import Column
from lending.ingestion.errors import LandingFileError

TEXT = pa.string()
VALUE_ERRORS = pa.list_(pa.string())  # per row: '<rule>:<column>' found while reading


def arrow_type(contract_type: str) -> pa.DataType:
    """The Arrow type of a contract (DuckDB) column type."""
    t = contract_type.strip().lower()
    simple = {
        "varchar": TEXT, "bigint": pa.int64(), "integer": pa.int32(), "date": pa.date32(),
        "timestamptz": pa.timestamp("us", tz="UTC"), "boolean": pa.bool_(), "double": pa.float64(),
    }
    if t in simple:
        return simple[t]
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return pa.decimal128(int(m[1]), int(m[2]))
    raise ValueError(f"no Arrow type for contract type {contract_type!r}")


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_nested(t: pa.DataType) -> bool:
    return pa.types.is_nested(t)


def _exact_cast_family(source: pa.DataType, target: pa.DataType) -> bool:
    """Casts Arrow checks value by value (safe=True fails on overflow or lost digits)."""
    integer, decimal = pa.types.is_integer, pa.types.is_decimal
    return (
        (integer(source) and (integer(target) or decimal(target)))
        or (decimal(source) and decimal(target))
        or (pa.types.is_floating(source) and integer(target))
        or (pa.types.is_timestamp(source) and source.tz is not None
            and pa.types.is_timestamp(target))
        or (pa.types.is_date(source) and pa.types.is_date(target))
        or (_is_text(source) and _is_text(target))
        or (pa.types.is_boolean(source) and pa.types.is_boolean(target))
    )


def _as_text(values: pa.ChunkedArray, path: str, name: str) -> pa.ChunkedArray:
    t = values.type
    if pa.types.is_floating(t):
        values = pc.if_else(pc.is_nan(values), pa.scalar(None, t), values)
        integral = pc.and_(pc.equal(pc.round(values), values), pc.less(pc.abs(values), 2.0**53))
        as_int = pc.cast(pc.if_else(integral, values, pa.scalar(None, t)), pa.int64())
        return pc.if_else(integral, pc.cast(as_int, TEXT), pc.cast(values, TEXT))
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        try:
            return pc.cast(values, TEXT)
        except pa.ArrowInvalid as exc:
            raise LandingFileError(path, "binary column is not UTF-8 text", column=name) from exc
    return pc.cast(values, TEXT)


def conform_column(
    values: pa.ChunkedArray, col: Column, path: str
) -> tuple[pa.ChunkedArray, np.ndarray | None]:
    """The column in its contract type, or as text; plus a mask of rows holding a nested value."""
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    target = arrow_type(col.type)
    if values.type == target:
        return values, None
    if pa.types.is_null(values.type):
        return pa.chunked_array([pa.nulls(len(values), target)]), None
    if _is_nested(values.type):  # a struct or list where the contract has one value
        nested = values.is_valid().to_numpy(zero_copy_only=False)
        return pa.chunked_array([pa.nulls(len(values), TEXT)]), nested
    if _exact_cast_family(values.type, target):
        try:
            return values.cast(target, safe=True), None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # some value does not fit: judge each value as text
    return _as_text(values, path, col.name), None


def value_errors(masks: dict[str, np.ndarray], n: int) -> pa.Array:
    """Per row, the list of ``nested_value:<column>`` reasons (empty lists when none)."""
    if not masks:
        return pa.nulls(n, VALUE_ERRORS)
    names = list(masks)
    flags = np.column_stack([masks[c] for c in names])  # rows x columns
    offsets = np.concatenate([[0], np.cumsum(flags.sum(axis=1))]).astype(np.int32)
    reasons = np.broadcast_to(np.array([f"nested_value:{c}" for c in names]), flags.shape)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(reasons[flags], TEXT))


def combine(tables: list[pa.Table]) -> pa.Table:
    """Concatenate the files of a batch; a column whose type differs between files becomes text."""
    types: dict[str, set] = {}
    for table in tables:
        for f in table.schema:
            if not pa.types.is_null(f.type):
                types.setdefault(f.name, set()).add(f.type)
    mixed = {name for name, seen in types.items() if len(seen) > 1}
    if mixed:
        tables = [
            t.cast(pa.schema([f.with_type(TEXT) if f.name in mixed else f for f in t.schema]))
            for t in tables
        ]
    return pa.concat_tables(tables, promote_options="permissive")
