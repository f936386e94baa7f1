"""Engine floor: the same work in one DuckDB connection, without Dagster, dbt or our validation.

Loading: DuckDB's own bulk readers (``read_csv``, ``read_json``, ``read_parquet``) read every
landing file of a source in one statement, typed by the contract (a malformed row or value is
skipped or nulled instead of quarantined with its reasons: that is the work the platform does on
top; de-duplication stays in staging, as in the platform).

Transformation: the SQL dbt compiled for every model (``dbt compile``: the statements dbt runs)
as ``create or replace table|view`` in dependency order, and every data test's query counted.
Unit tests (fixtures, not data), Python models and the Python steps are not SQL the engine could
run alone; the benchmark counts their measured time on both sides.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from lending.contract import Source

FLOOR_SCHEMA = "floor_raw"
SQL_MATERIALIZATIONS = ("table", "view", "incremental")


def _glob(landing: Path, source: Source) -> str:
    return str(landing / source.name / "dt=*" / f"*.{source.extension}")


def load_sql(landing: Path, source: Source) -> str:
    """One statement: read every export day of ``source`` into its contract types.

    The readers type the columns themselves: a CSV row with a value that does not convert is
    skipped (``ignore_errors``), a JSON value becomes null, Parquet columns are cast. (A
    ``try_cast`` over ``read_csv`` would be pushed into the reader as a strict cast by DuckDB
    2.0.1 and fail on the first bad value.)"""
    path = _glob(landing, source)
    types = "{" + ", ".join(f"'{c.name}': '{c.type}'" for c in source.columns) + "}"
    names = ", ".join(f'"{c.name}"' for c in source.columns)
    if source.format == "csv":
        reader = (f"read_csv('{path}', header = true, types = {types}, union_by_name = true, "
                  "ignore_errors = true, hive_partitioning = true)")
    elif source.format == "jsonl":
        reader = (f"read_json('{path}', format = 'newline_delimited', columns = {types}, "
                  "ignore_errors = true, hive_partitioning = true)")
    else:
        reader = f"read_parquet('{path}', union_by_name = true, hive_partitioning = true)"
        names = ", ".join(f'try_cast("{c.name}" as {c.type}) as "{c.name}"' for c in source.columns)
    return (f"create or replace table {FLOOR_SCHEMA}.{source.name} as "
            f"select {names}, dt::date as _partition_date from {reader}")


@dataclass
class FloorNode:
    unique_id: str
    resource_type: str  # model | test
    relation: str       # "db"."schema"."alias" (models)
    materialized: str
    sql: str
    depends_on: list[str] = field(default_factory=list)

    def statement(self) -> str:
        if self.resource_type == "test":
            return f"select count(*) from ({self.sql}\n) as dbt_test"
        kind = "view" if self.materialized == "view" else "table"
        return f"create or replace {kind} {self.relation} as {self.sql}"


def floor_nodes(manifest: dict) -> list[FloorNode]:
    """SQL models and data tests of a compiled manifest, in an order that respects dependencies."""
    nodes: dict[str, FloorNode] = {}
    for uid, node in manifest["nodes"].items():
        kind = node["resource_type"]
        materialized = node.get("config", {}).get("materialized", "")
        if node.get("language", "sql") != "sql" or "compiled_code" not in node:
            continue
        if kind == "model" and materialized not in SQL_MATERIALIZATIONS:
            continue  # ephemeral: inlined into its dependents by dbt
        if kind not in ("model", "test"):
            continue
        relation = node.get("relation_name") or ""
        nodes[uid] = FloorNode(uid, kind, relation, materialized, node["compiled_code"],
                               list(node.get("depends_on", {}).get("nodes", [])))
    graph = {uid: [d for d in n.depends_on if d in nodes] for uid, n in nodes.items()}
    return [nodes[uid] for uid in TopologicalSorter(graph).static_order()]


@dataclass
class FloorResult:
    load_s: float
    transform_s: float
    rows_by_source: dict[str, int]
    nodes: int


def run_floor(database: Path, landing: Path, sources: list[Source], manifest_path: Path,
              threads: int | None = None) -> FloorResult:
    """Time the load of ``landing`` and the compiled SQL of ``manifest_path`` on ``database``.

    ``database`` is a copy of the fully built warehouse (same file name, so the catalog named in
    the compiled SQL resolves): models are replaced in place, raw.* stays the transformations'
    input, the loaded copies go to floor_raw.* beside it.
    """
    nodes = floor_nodes(json.loads(manifest_path.read_text()))
    with duckdb.connect(str(database)) as con:
        if threads:
            con.execute(f"set threads = {threads}")
        con.execute(f"create schema if not exists {FLOOR_SCHEMA}")
        start = time.perf_counter()
        for source in sources:
            con.execute(load_sql(landing, source))
        load_s = time.perf_counter() - start
        rows = {s.name: con.execute(f"select count(*) from {FLOOR_SCHEMA}.{s.name}").fetchone()[0]
                for s in sources}
        con.execute(f"drop schema {FLOOR_SCHEMA} cascade")
        start = time.perf_counter()
        for node in nodes:
            con.execute(node.statement()).fetchall()
        transform_s = time.perf_counter() - start
    return FloorResult(load_s, transform_s, rows, len(nodes))
