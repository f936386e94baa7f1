"""Render internal frames to the landing contract and write one file per source and day.

Rendering is done once per month and source with Arrow compute kernels (no Python per row);
the month is then cut into day files. CSV and JSON lines are built as one Arrow string per
row (terminated by ``\\n``), so a day file is a contiguous slice of one data buffer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulator.calendar import NA
from simulator.frame import Frame, nrows
from simulator.schema import Col, Source

TZ_OFFSET = 8 * 3600
BAD_TIMESTAMPS = np.array(["2025-13-45", "not-a-date", "2025-02-30T25:61:00+08:00", "31/12/2025"])
_EXT = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}


def _lit(s: str) -> pa.Scalar:
    return pa.scalar(s, pa.large_string())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, _lit(""))


def _digits(v: np.ndarray, width: int = 0) -> pa.Array:
    s = pa.array(v, pa.int64()).cast(pa.large_string())
    return pc.utf8_lpad(s, width=width, padding="0") if width else s


def _decimal_text(v: np.ndarray, scale: int) -> pa.Array:
    """Exact fixed-point text from scaled integers (cents -> '1234.50'), sign kept."""
    a = np.abs(v)
    unit = 10**scale
    txt = _join(_digits(a // unit), _lit("."), _digits(a % unit, scale))
    return pc.if_else(pa.array(v < 0), _join(_lit("-"), txt), txt)


def text_column(col: Col, v: np.ndarray) -> tuple[pa.Array, bool]:
    """Text of a column (nulls as Arrow nulls) and whether JSON must quote it."""
    k = col.kind
    if k == "id":
        arr = _join(_lit(col.prefix), _digits(np.maximum(v, 0), col.width))
        return pc.if_else(pa.array(v < 0), pa.scalar(None, pa.large_string()), arr), True
    if k == "ts":
        ts = pa.array(v, pa.timestamp("s"), mask=v == NA)
        s = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S").cast(pa.large_string())
        return _join(s, _lit("+08:00")), True
    if k == "date":
        return pa.array(v.astype(np.int32), pa.date32(), mask=v == NA).cast(pa.large_string()), True
    if k in ("money", "rate"):
        t = _decimal_text(np.where(v == NA, 0, v), 2 if k == "money" else 4)
        return pc.if_else(pa.array(v == NA), pa.scalar(None, pa.large_string()), t), False
    if k in ("int", "int32"):
        return pa.array(v, pa.int64(), mask=v == NA).cast(pa.large_string()), False
    if k == "cat":
        cats = pa.array(list(col.cats) + [col.unknown or "unknown"], pa.large_string())
        return cats.take(pa.array(np.where(v < 0, 0, v), mask=v < 0)), True
    return pa.array(v, pa.large_string()), True


def _parquet_decimal(v: np.ndarray, precision: int, scale: int) -> pa.Array:
    """decimal128 built from the scaled int64 directly (16-byte two's complement), exact."""
    words = np.empty((len(v), 2), dtype=np.int64)
    words[:, 0] = v
    words[:, 1] = v >> 63
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(v),
                                 [None, pa.py_buffer(words.tobytes())])


def parquet_column(col: Col, v: np.ndarray) -> pa.Array:
    k = col.kind
    if k == "ts":
        return pa.array(v - TZ_OFFSET, pa.timestamp("s", tz="Asia/Shanghai"), mask=v == NA)
    if k == "date":
        return pa.array(v.astype(np.int32), pa.date32(), mask=v == NA)
    if k == "money":
        return _parquet_decimal(v, 18, 2)
    if k == "rate":
        return _parquet_decimal(v, 8, 4)
    if k == "int32":
        return pa.array(v.astype(np.int32), pa.int32())
    if k == "int":
        return pa.array(v, pa.int64(), mask=v == NA)
    return text_column(col, v)[0].cast(pa.string())


def _bad_ts_override(src: Source, frame: Frame, texts: dict[str, pa.Array]) -> None:
    """Rows flagged ``_bad`` get an unparseable value in their first date/timestamp column."""
    bad = frame["_bad"]
    if not bad.any():
        return
    col = next(c for c in src.cols if c.kind in ("ts", "date"))
    bad_vals = BAD_TIMESTAMPS[np.arange(len(bad)) % len(BAD_TIMESTAMPS)]
    texts[col.name] = pc.if_else(pa.array(bad), pa.array(bad_vals, pa.large_string()),
                                 texts[col.name])


def _csv_lines(src: Source, texts: dict[str, pa.Array]) -> pa.Array:
    parts = []
    for i, c in enumerate(src.cols):
        t = texts[c.name]
        if c.kind == "str":  # minimal quoting, as Python's csv.QUOTE_MINIMAL does
            need = pc.match_substring_regex(t, '[",\\n\\r]')
            quoted = _join(_lit('"'), pc.replace_substring(t, '"', '""'), _lit('"'))
            t = pc.if_else(need, quoted, t)
        parts += ([_lit(",")] if i else []) + [pc.fill_null(t, _lit(""))]
    return _join(*parts, _lit("\n"))


def _jsonl_lines(src: Source, texts: dict[str, pa.Array], quoted: dict[str, bool]) -> pa.Array:
    parts = []
    for i, c in enumerate(src.cols):
        t = texts[c.name]
        if quoted[c.name]:  # simulator text never contains quotes/backslashes/control chars
            t = _join(_lit('"'), t, _lit('"'))
        parts += [_lit(("," if i else "{") + f'"{c.name}":'), pc.fill_null(t, _lit("null"))]
    return _join(*parts, _lit("}\n"))


def write_month(root: Path, src: Source, frame: Frame, days: range) -> int:
    """Write ``frame`` (rows exported in ``days``) as one file per day; returns rows written."""
    n = nrows(frame)
    for c in src.cols:  # behaviours may hand over float cents or int32 codes: normalise
        if n and c.kind != "str" and frame[c.name].dtype != np.int64:
            frame[c.name] = np.round(frame[c.name]).astype(np.int64)
    if n:
        order = np.lexsort((frame[src.sort_col], frame["_day"]))
        frame = {k: v[order] for k, v in frame.items()}
        day_col = frame["_day"]
    else:
        frame = {c.name: np.zeros(0, dtype=object if c.kind == "str" else np.int64)
                 for c in src.cols}
        frame["_bad"] = np.zeros(0, dtype=bool)
        day_col = np.zeros(0, dtype=np.int64)
    cuts = np.searchsorted(day_col, np.arange(days.start, days.stop + 1))
    if src.fmt == "parquet":
        table = pa.table({c.name: parquet_column(c, frame[c.name]) for c in src.cols})
    else:
        texts, quoted = {}, {}
        for c in src.cols:
            texts[c.name], quoted[c.name] = text_column(c, frame[c.name])
        _bad_ts_override(src, frame, texts)
        lines = (_csv_lines if src.fmt == "csv" else _jsonl_lines)(
            src, texts, *(() if src.fmt == "csv" else (quoted,)))
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        lines = lines.cast(pa.large_string())
        offsets = (np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:]
                   if len(lines) else np.zeros(1, np.int64))
        data = lines.buffers()[2] if len(lines) else None
        header = (",".join(src.names) + "\n").encode() if src.fmt == "csv" else b""
    for i, day in enumerate(days):
        a, b = int(cuts[i]), int(cuts[i + 1])
        folder = root / src.name / f"dt={np.datetime64(day, 'D')}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{src.name}.{_EXT[src.fmt]}"
        if src.fmt == "parquet":
            pq.write_table(table.slice(a, b - a), path)
        else:
            body = data[offsets[a]:offsets[b]].to_pybytes() if b > a and data is not None else b""
            path.write_bytes(header + body)
    return n
