"""Helpers for the simulator tests: read a landing folder back into pandas frames."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq


def read_source(root: Path, source: str) -> pd.DataFrame:
    """All day files of a source as one frame (text columns for CSV/JSONL) plus ``_dt``."""
    files = sorted(glob.glob(str(root / source / "dt=*" / f"{source}.*")))
    tables = []
    for f in files:
        dt = Path(f).parent.name[3:]
        if f.endswith(".parquet"):
            t = pq.read_table(f)
        elif f.endswith(".csv"):
            with open(f, encoding="utf-8") as fh:
                names = fh.readline().strip().split(",")
            t = pacsv.read_csv(f, convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                null_values=[""]))
        else:
            if Path(f).stat().st_size == 0:
                continue
            with open(f, encoding="utf-8") as fh:
                names = list(json.loads(fh.readline()))
            schema = pa.schema([(n, pa.string()) for n in names])
            t = pajson.read_json(f, parse_options=pajson.ParseOptions(explicit_schema=schema))
        tables.append(t.append_column("_dt", pa.array([dt] * t.num_rows, pa.string())))
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def summary(root: Path) -> dict:
    return json.loads((root / "_simulation.json").read_text())


def clean(df: pd.DataFrame, id_col: str, ts_col: str | None = None) -> pd.DataFrame:
    """Drop malformed rows (empty id, unparseable time, negative money) and exact duplicates."""
    df = df[df[id_col].notna() & (df[id_col] != "")]
    if ts_col is not None and not pd.api.types.is_datetime64_any_dtype(df[ts_col]):
        ok = pd.to_datetime(df[ts_col], errors="coerce", format="ISO8601", utc=True).notna()
        df = df[ok]
    for c in df.columns:
        if c.endswith(("_paid", "_due", "amount", "principal", "spend_cny")):
            v = pd.to_numeric(df[c].astype(str), errors="coerce")
            df = df[~(v < 0)]
    return df.drop(columns=["_dt"]).drop_duplicates()


def ever_dpd(loans: pd.DataFrame, inst: pd.DataFrame, pays: pd.DataFrame, end: str,
             threshold: int = 90) -> pd.Series:
    """Per loan: did any installment stay principal-unpaid ``threshold`` days past due?"""
    inst = inst.copy()
    inst["due"] = pd.to_datetime(inst["due_date"])
    p = pays.copy()
    p["day"] = pd.to_datetime(p["paid_at"]).dt.tz_localize(None).dt.normalize()
    p["pp"] = p["principal_paid"].astype(float)
    p = p.sort_values("day")
    p["cum"] = p.groupby(["loan_id", "installment_no"])["pp"].cumsum()
    m = inst.merge(p[["loan_id", "installment_no", "day", "cum"]], how="left",
                   on=["loan_id", "installment_no"])
    m["full"] = m["cum"] >= m["principal_due"].astype(float) - 0.005
    settled = m[m["full"]].groupby(["loan_id", "installment_no"])["day"].min()
    inst = inst.set_index(["loan_id", "installment_no"])
    inst["settled"] = settled
    stop = inst["settled"].fillna(pd.Timestamp(end))
    late = (stop - inst["due"]).dt.days >= threshold
    flag = late.groupby(level=0).any()
    return loans["loan_id"].map(flag).fillna(False).astype(bool).to_numpy(np.bool_)
