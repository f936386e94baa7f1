"""Build the same dataset on DuckDB and on a local Spark session, and read marts from both.

Plain functions, used by tests/spark/test_engine_parity.py and by the benchmark's Spark column:

1. ``make_dataset``: simulator -> landing -> ingestion into a DuckDB warehouse (the functions the
   Dagster assets call) -> raw and reference schemas exported to the Parquet lake
   (lending.lake).
2. ``build_warehouse``: the whole project on a target (duckdb or spark) in the order Dagster runs
   it: ``dbt build`` of everything that does not read the Python-written schemas attribution_py
   and ml, the data-driven attribution step (ml/attribution) on the paths read FROM THAT ENGINE
   and the ML scoring step (tools/harness/ml_step.py) on the feature marts read from it, then
   ``dbt build`` of the rest. ``dbt_build`` runs one invocation, in-process through dbtRunner for
   Spark so the Spark session dbt starts stays alive for reading the results afterwards.
3. ``read_duckdb`` / ``read_spark``: a relation as a pandas DataFrame, for the comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lending.contract import load_contract
from lending.dbt import DBT_EXECUTABLE, DBT_LOG_ENV, in_environ
from lending.ingestion.files import landing_days
from lending.ingestion.load import load_days
from lending.lake import export_inputs_to_parquet
from lending.settings import DBT_PROJECT_DIR, Settings
from ml.attribution.warehouse import (
    AGGREGATE_SQL,
    export_data_driven_attribution,
    run_data_driven_attribution,
)
from tools.harness import ml_step

# The small dataset of tests/integration (3 months, 300 users a month).
SIMULATOR_ARGS = ("--seed", "7", "--start", "2025-01-01", "--months", "3", "--scale", "300")


@dataclass(frozen=True)
class Dataset:
    root: Path
    landing: Path
    warehouse: Path
    lake: Path
    spark_dir: Path

    @property
    def settings(self) -> Settings:
        """The pipeline's settings for this dataset (its warehouse; ML registry under data/)."""
        return Settings.from_env({"LENDING_DATA_DIR": str(self.root / "data"),
                                  "LENDING_LANDING_DIR": str(self.landing),
                                  "LENDING_WAREHOUSE_PATH": str(self.warehouse)})

    def env(self) -> dict[str, str]:
        """Environment of a dbt run over this dataset (both targets read it from here): the
        settings' dbt variables, and the Spark target's lake and session folders."""
        return {
            **self.settings.dbt_env(),
            "LENDING_LAKE_DIR": str(self.lake),
            "LENDING_SPARK_DIR": str(self.spark_dir),
            # tables only need to live as long as the test process; skips Derby (faster)
            "LENDING_SPARK_CATALOG": "in-memory",
        }


def make_dataset(root: Path, simulator_args: tuple[str, ...] = SIMULATOR_ARGS) -> Dataset:
    """Generate, ingest and export one dataset under ``root``."""
    root = Path(root).resolve()
    data = Dataset(root, root / "landing", root / "warehouse.duckdb", root / "lake", root / "spark")
    subprocess.run([sys.executable, "-m", "simulator", "--out", str(data.landing), *simulator_args,
                    "--no-progress"], check=True, stdout=subprocess.DEVNULL)
    contract = load_contract()
    with data.settings.warehouse().connect() as con:
        for source in contract.sources.values():
            load_days(con, data.landing, source, landing_days(data.landing, source.name))
        export_inputs_to_parquet(con, data.lake, contract)
    return data


def dbt_build(data: Dataset, target: str, extra_args: tuple[str, ...] = ()) -> dict[str, str]:
    """``dbt build --target <target>`` over ``data``; returns {node unique_id: status}.

    Spark runs in-process (dbtRunner), so the session dbt starts, and its in-memory catalog,
    outlive the build for ``read_spark``. DuckDB runs in a subprocess: dbt-duckdb keeps its
    connection open in the process, and a second (read-only) connection to the file would be
    refused. Raises with the failing nodes' names and messages when anything errors or fails.
    """
    target_path = data.root / f"dbt_target_{target}"
    args = ["build", "--target", target, "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target_path),
            "--log-path", str(data.root / f"dbt_logs_{target}"), "--quiet", *extra_args]
    if target == "spark":
        from dbt.cli.main import dbtRunner

        with in_environ({**data.env(), **DBT_LOG_ENV}):
            result = dbtRunner().invoke(args)
        if result.exception is not None:
            raise RuntimeError(f"dbt build --target {target} raised: {result.exception}")
    else:
        subprocess.run([DBT_EXECUTABLE, *args],
                       env={**os.environ, **data.env(), **DBT_LOG_ENV}, check=False)
    results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    bad = [f"{r['unique_id']}: {r['status']}: {(r.get('message') or '')[:400]}"
           for r in results if r["status"] not in ("success", "pass") and not _expected(r)]
    if bad or not statuses:
        raise AssertionError(f"dbt build --target {target}: {len(bad)} node(s) not successful:\n"
                             + "\n".join(bad))
    return statuses


# Nodes reading the tables the Python steps write (dbt sources attribution_py: the data-driven
# attribution step; ml: the score tables, tools/harness/ml_step.py) build after those steps;
# everything else before them.
AFTER_PYTHON_STEP = ("source:attribution_py+", "source:ml+")


def _expected(result: dict) -> bool:
    """Non-success outcomes that are not failures: an exposure is a no-op node, and a
    warn-severity test (the KPI plan checks) may warn on the data without failing the build."""
    return ((result["unique_id"].startswith("exposure.") and result["status"] == "no-op")
            or (result["unique_id"].startswith("test.") and result["status"] == "warn"))


def build_warehouse(data: Dataset, target: str) -> dict[str, str]:
    """Every dbt node of the project on ``target``, around the Python step; {unique_id: status}.

    On DuckDB the step is the asset's own function (run_data_driven_attribution, which reads and
    writes the warehouse). On Spark the aggregated paths are read from Spark and the same math's
    tables land in the lake (export_data_driven_attribution), which the second invocation's
    on-run-start hook registers as source attribution_py.
    """
    statuses = dbt_build(data, target, ("--exclude", *AFTER_PYTHON_STEP))
    if target == "spark":
        aggregated = spark_session().sql(AGGREGATE_SQL).toPandas()
        export_data_driven_attribution(aggregated, data.lake)
        ml_step.write_lake(spark_session(), data.lake)
    else:
        with data.settings.warehouse().connect() as con:
            run_data_driven_attribution(con)
        ml_step.write_duckdb(data.settings.warehouse())
    return {**statuses, **dbt_build(data, target, ("--select", *AFTER_PYTHON_STEP))}


def project_nodes(data: Dataset, target: str) -> set[str]:
    """Every model, seed, data test and unit test of the project (from the last manifest)."""
    manifest = json.loads((data.root / f"dbt_target_{target}" / "manifest.json")
                          .read_text(encoding="utf-8"))
    nodes = {uid for uid, n in manifest["nodes"].items()
             if n["resource_type"] in ("model", "seed", "test")}
    return nodes | set(manifest.get("unit_tests", {}))


def read_duckdb(data: Dataset, relation: str) -> pd.DataFrame:
    """A relation as Python values (Decimal, date, time, datetime), like ``read_spark``."""
    with data.settings.warehouse().connect(read_only=True) as con:
        cursor = con.execute(f"select * from {relation}")
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)


def spark_session():
    """The Spark session dbt's session method started in this process (None before a build).

    Not ``getActiveSession()``: that is per thread, and dbt ran its nodes in worker threads.
    """
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is None:
        return None
    session = SparkSession.builder.getOrCreate()
    session.conf.set("spark.sql.timeType.enabled", "true")  # as in profiles.yml (TIME columns)
    return session


def read_spark(relation: str) -> pd.DataFrame:
    session = spark_session()
    if session is None:
        raise RuntimeError("no Spark session in this process: run dbt_build(..., 'spark') first")
    frame = session.table(relation)
    return pd.DataFrame([tuple(r) for r in frame.collect()], columns=frame.columns, dtype=object)
