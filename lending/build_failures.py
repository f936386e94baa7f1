"""What failed in the warehouse build, kept in the warehouse until it builds again (issue 19).

A dbt build no longer stops the pipeline when one model or error-severity test fails: dbt skips
only that node's descendants, and the Dagster step records here what failed (``record``), so the
run summary (``lending.summary``), the serving snapshot (``lending.serving``: which tables are
stale) and the report can say so after the run:

    ops.build_failures   one row per dbt node whose LAST run failed: a model that errored, a test
                         that failed (``fail``) or could not run its SQL (``error``), with dbt's
                         message, the failing row count and up to ``SAMPLE_ROWS`` of those rows,
                         the file to edit, and the asset key of the model the failure stands for
                         (a test stands for the model it is attached to in Dagster).

A node's row is replaced whenever dbt runs it again (success removes it); a node dbt skipped keeps
its row, since a skip says nothing about whether it is fixed. Warn-severity tests that fail have
status ``warn`` and are not failures.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lending.warehouse import relation_exists

TABLE = "ops.build_failures"
FAILED_STATUSES = ("error", "fail")
NOT_RUN = "skipped"
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class BuildFailure:
    unique_id: str
    name: str
    resource_type: str  # model, test, seed, ...
    status: str  # error | fail
    message: str
    failures: int | None  # a test's failing rows (dbt's count)
    file: str  # the file to edit, relative to the repository
    asset_key: str  # "schema/table" of the model it stands for ("" when none)
    sample: str = "[]"  # JSON list of up to SAMPLE_ROWS failing rows (tests only)


def _node_file(node: Mapping, root: str) -> str:
    return f"{root}/{node['original_file_path']}" if node.get("original_file_path") else ""


def failures_from_results(results: Iterable[Mapping], manifest: Mapping,
                          asset_key_of: Mapping[str, str], root: str = "dbt_project"
                          ) -> list[BuildFailure]:
    """The failed nodes of dbt's ``run_results.json`` ``results``.

    ``asset_key_of``: dbt unique_id -> the Dagster asset key (``schema/table``) a failure of that
    node stands for: the model itself, or the model a test is attached to. ``root``: the dbt
    project's folder in the repository (files are named from the repository root)."""
    failures = []
    for result in results:
        if result["status"] not in FAILED_STATUSES:
            continue
        node = manifest["nodes"].get(result["unique_id"], {})
        failures.append(BuildFailure(
            unique_id=result["unique_id"],
            name=node.get("name", result["unique_id"]),
            resource_type=node.get("resource_type", result["unique_id"].split(".")[0]),
            status=result["status"],
            message=(result.get("message") or "").strip(),
            failures=result.get("failures"),
            file=_node_file(node, root),
            asset_key=asset_key_of.get(result["unique_id"], ""),
        ))
    return failures


def sample_failing_rows(con: duckdb.DuckDBPyConnection, compiled_sql: str | None) -> str:
    """Up to SAMPLE_ROWS rows a failed test returns, as JSON (``[]`` when it cannot be re-run)."""
    if not compiled_sql:
        return "[]"
    try:
        cursor = con.execute(f"select * from ({compiled_sql}) limit {SAMPLE_ROWS}")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        return json.dumps([{"could_not_sample": str(exc).splitlines()[0]}])
    return json.dumps(rows, default=str, ensure_ascii=False)


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ops")
    con.execute(
        f"""create table if not exists {TABLE} (
            unique_id varchar primary key, name varchar not null, resource_type varchar not null,
            status varchar not null, message varchar, failures bigint, file varchar,
            asset_key varchar, sample varchar, run_id varchar, failed_at timestamptz not null)""")


def record(con: duckdb.DuckDBPyConnection, results: Iterable[Mapping],
           failures: Iterable[BuildFailure], run_id: str) -> None:
    """Replace the rows of every node dbt ran in this invocation (skipped nodes keep theirs)."""
    ran = [r["unique_id"] for r in results if r["status"] != NOT_RUN]
    now = dt.datetime.now(dt.UTC)
    ensure_table(con)
    con.execute("begin")
    try:
        con.execute(f"delete from {TABLE} where unique_id in (select unnest(?::varchar[]))", [ran])
        rows = [(f.unique_id, f.name, f.resource_type, f.status, f.message, f.failures, f.file,
                 f.asset_key, f.sample, run_id, now) for f in failures]
        if rows:  # DuckDB's executemany refuses an empty list (a clean build)
            con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def current_failures(con: duckdb.DuckDBPyConnection) -> list[BuildFailure]:
    """Every node whose last run failed (empty before the first build that recorded any)."""
    if not relation_exists(con, "ops", "build_failures"):
        return []
    rows = con.execute(
        f"""select unique_id, name, resource_type, status, message, failures, file, asset_key,
                   sample from {TABLE} order by asset_key, unique_id""").fetchall()
    return [BuildFailure(*row) for row in rows]


def read_run_results(target_path: Path) -> list[dict] | None:
    """dbt's results of one invocation; None when dbt wrote none (it stopped before building)."""
    path = Path(target_path) / "run_results.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["results"]


def format_failures(failures: Iterable[BuildFailure]) -> str:
    """The run summary's section: node, what failed, rows at fault, the file to edit."""
    lines = []
    for f in failures:
        what = (f"test {f.name} failed on {f.failures:,} row(s)" if f.status == "fail"
                and f.failures is not None else f"{f.resource_type} {f.name} {f.status}")
        lines.append(f"  {what}" + (f" (asset {f.asset_key})" if f.asset_key else ""))
        if f.message:
            lines.append(f"    dbt: {f.message.splitlines()[0][:300]}")
        sample = json.loads(f.sample or "[]")
        for row in sample:
            lines.append(f"    row: {json.dumps(row, ensure_ascii=False)[:300]}")
        if f.file:
            lines.append(f"    edit: {f.file}")
    return "\n".join(lines)
