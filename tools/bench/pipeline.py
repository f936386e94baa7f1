"""`make bench`: time each stage of the pipeline on a generated dataset of a chosen size.

Not a test (timings are never asserted): it prints wall time, rows per second and peak memory of
the simulator, of ingestion (all sources, all days, the same functions the Dagster assets call)
and of `dbt build`, so changes can be compared on the same machine.

    python -m tools.bench.pipeline --scale 20000 --months 18 [--keep DIR] [--spark]

`dbt build` runs as in Dagster and `make test-spark` (tools/harness/build.py::build_warehouse):
two invocations around the data-driven attribution step. With --spark (needs the `spark` extra and
Java 17: `make test-spark` installs them) it also exports raw.* and reference.* to the Parquet
lake and times the same build on a local Spark session (target spark, local[2]), printing the
Spark / DuckDB ratio of the dbt build.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from lending.contract import load_contract
from lending.ingestion.files import landing_days
from lending.ingestion.load import load_days
from lending.lake import export_inputs_to_parquet
from tools.harness.build import Dataset, build_warehouse


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _stage(name: str, seconds: float, rows: int | None = None, peak_mb: float | None = None):
    rate = f"{rows / seconds:>12,.0f} rows/s" if rows else " " * 19
    peak = f"peak {peak_mb:,.0f} MB" if peak_mb else ""
    print(f"{name:<12}{seconds:>8.1f} s  {rows or 0:>12,} rows {rate}  {peak}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=2800)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--spark", action="store_true", help="also time dbt build on local Spark")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="lending-bench-"))
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    print(f"scale {args.scale}/month, {args.months} months, in {root}")

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "simulator", "--out", str(landing), "--scale",
                    str(args.scale), "--months", str(args.months), "--no-progress"],
                   check=True, stdout=subprocess.DEVNULL)
    written = json.loads((landing / "_simulation.json").read_text())["rows"]
    _stage("simulator", time.perf_counter() - start, sum(written.values()),
           _peak_mb(resource.RUSAGE_CHILDREN))

    contract = load_contract()
    start, rows = time.perf_counter(), 0
    with duckdb.connect(str(warehouse)) as con:
        for source in contract.sources.values():
            days = landing_days(landing, source.name)
            rows += sum(r.rows_read for r in load_days(con, landing, source, days))
    _stage("ingestion", time.perf_counter() - start, rows, _peak_mb(resource.RUSAGE_SELF))

    # dbt build in the order Dagster runs it: the attribution step (Python) between two invocations
    data = Dataset(root, landing, warehouse, root / "lake", root / "spark")
    start = time.perf_counter()
    build_warehouse(data, "duckdb")
    duckdb_seconds = time.perf_counter() - start
    _stage("dbt build", duckdb_seconds)
    if not args.spark:
        return 0

    start = time.perf_counter()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exported = export_inputs_to_parquet(con, data.lake, contract)
    _stage("lake export", time.perf_counter() - start,
           sum(n for tables in exported.values() for n in tables.values()))
    start = time.perf_counter()
    build_warehouse(data, "spark")
    spark_seconds = time.perf_counter() - start
    _stage("dbt spark", spark_seconds)
    print(f"dbt build on local Spark / on DuckDB: {spark_seconds / duckdb_seconds:.1f}x", flush=True)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
