"""The serving family: what BI tools and analysts read, published after the marts and ML scores.

- ``serving/warehouse_snapshot``: the read-only snapshot (DuckDB file + Parquet), a thin shell over
  ``lending.serving.publish``.
  Published in its own run after the build (``publish`` job; ``make run``'s third run): tables the
  build could not rebuild keep their last good version and are listed as stale (issue 19).
- ``serving/html_report``: the HTML report, a thin shell over ``lending.report.build_report``. It
  reads the published snapshot (so it depends on that asset, and needs no writer pool: it never
  opens the warehouse) and writes ``<serving>/report.html`` on every build.
"""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from lending.build_failures import BuildFailure, current_failures
from lending.report import REPORT_NAME, build_report
from lending.serving import (
    PARQUET_DIR,
    PARQUET_SCHEMAS,
    PARTITION_METADATA_KEY,
    PUBLISHED_SCHEMAS,
    SNAPSHOT_NAME,
    publish,
)
from ml.registry import mlflow_dir
from orchestration.policy import SERVING_GROUP, after_build
from orchestration.resources import WRITER_POOL, WarehouseResource

SNAPSHOT_KEY = dg.AssetKey([SERVING_GROUP, "warehouse_snapshot"])
REPORT_KEY = dg.AssetKey([SERVING_GROUP, "html_report"])


def serving_deps(upstream: Iterable[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Every upstream asset whose key starts with a published schema (marts/..., ml/...): the
    snapshot waits for all of them, whichever marts and score tables exist today."""
    keys = {k for assets in upstream for k in assets.keys if k.path[0] in PUBLISHED_SCHEMAS}
    return sorted(keys, key=lambda k: k.path)


def serving_partitions(upstream: Iterable[dg.AssetsDefinition]) -> dict[str, str]:
    """"schema.table" -> the column its model's YAML partitions it by in the snapshot
    (``meta.serving.partition_by``, carried as asset metadata by the dbt translator)."""
    return {".".join(spec.key.path): str(spec.metadata[PARTITION_METADATA_KEY])
            for assets in upstream for spec in assets.specs
            if PARTITION_METADATA_KEY in (spec.metadata or {}) and len(spec.key.path) == 2}


def child_keys(assets: Iterable[dg.AssetsDefinition]) -> dict[dg.AssetKey, set[dg.AssetKey]]:
    """Asset key -> the keys that depend on it, over ``assets``. Built when the definitions load:
    a step context of an in-process run has no repository to ask for the asset graph, and a
    job's own graph leaves out assets it does not reach (the stg_ref_* models)."""
    children: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for definition in assets:
        for key, parents in definition.asset_deps.items():
            for parent in parents:
                children.setdefault(parent, set()).add(key)
    return children


def stale_tables(failures: list[BuildFailure],
                 children: dict[dg.AssetKey, set[dg.AssetKey]]) -> dict[str, str]:
    """"schema.table" -> why, for every published table the build could not rebuild: the asset a
    failure stands for and all its descendants (``child_keys``: dbt models, attribution and ML
    assets alike), as far as they are tables of a published schema."""
    stale: dict[str, str] = {}
    for failure in failures:
        if not failure.asset_key:
            continue
        root = dg.AssetKey.from_user_string(failure.asset_key)
        what = f"{failure.resource_type} {failure.name} {failure.status} ({failure.file})"
        seen, todo = {root}, [root]
        while todo:
            key = todo.pop()
            if len(key.path) == 2 and key.path[0] in PUBLISHED_SCHEMAS:
                stale.setdefault(".".join(key.path),
                                 what if key == root else f"upstream {what}")
            for child in children.get(key, ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
    return stale


def serving_metadata(published, serving_dir: str) -> dict:
    rows = "\n".join(f"| {relation} | {n} | {published.parquet_files.get(relation, '')} |"
                     for relation, n in sorted(published.row_counts.items()))
    return {
        "path": f"{serving_dir}/{SNAPSHOT_NAME}",
        "parquet_dir": f"{serving_dir}/{PARQUET_DIR}",
        "version": published.version,
        "version_dir": str(published.version_dir),
        "tables": len(published.row_counts),
        "parquet_files": len(published.parquet_files),
        "tables_rewritten": len(published.rewritten),  # the others reused from the last version
        # of those, updated part by part in the snapshot file: "schema.table" -> parts replaced
        "parts_rewritten": dg.MetadataValue.json(published.rewritten_parts),
        "row_counts": published.row_counts,
        "stale_tables": dg.MetadataValue.json(published.stale_tables),
        "contents": dg.MetadataValue.md(
            "| table | rows | parquet (under the version folder) |\n| --- | ---: | --- |\n" + rows),
    }


def build_serving_asset(
    upstream: dg.AssetsDefinition | Iterable[dg.AssetsDefinition], serving_dir: str
) -> dg.AssetsDefinition:
    """``upstream``: every asset whose failure can leave a published table stale (dbt, attribution,
    ML); the snapshot depends on those of them in a published schema."""
    upstream = [upstream] if isinstance(upstream, dg.AssetsDefinition) else list(upstream)
    children = child_keys(upstream)
    partitions = serving_partitions(upstream)

    @dg.asset(
        key=SNAPSHOT_KEY,
        deps=serving_deps(upstream),
        description=f"Read-only copy of the {', '.join(PUBLISHED_SCHEMAS)} schemas in "
        f"{serving_dir}/{SNAPSHOT_NAME}, plus one Parquet file per table of "
        f"{', '.join(PARQUET_SCHEMAS)} in {serving_dir}/{PARQUET_DIR}/<schema>/<table>.parquet; "
        "both swapped in together, atomically. BI tools and analysts read these, never the "
        "warehouse the pipeline writes (README, For analysts). Tables a failed build could not "
        "rebuild keep their last good version, listed in main.snapshot_stale_tables.",
        group_name=SERVING_GROUP,
        kinds={"duckdb", "parquet"},
        automation_condition=after_build(),
        pool=WRITER_POOL,
    )
    def warehouse_snapshot(context: dg.AssetExecutionContext,
                           duckdb: WarehouseResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            stale = stale_tables(current_failures(con), children)
            published = publish(con, serving_dir, stale=stale, partitions=partitions)
        for relation, entry in published.stale_tables.items():
            context.log.warning(f"stale in the snapshot: {relation} ({entry['reason']}); data of "
                                f"version {entry['data_version'] or 'none: left out'}")
        return dg.MaterializeResult(metadata=serving_metadata(published, serving_dir))

    return warehouse_snapshot


def build_report_asset(serving_dir: str, data_dir: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORT_KEY,
        deps=[SNAPSHOT_KEY],
        description=f"Self-contained HTML report {serving_dir}/{REPORT_NAME} (opens offline): "
        "KPI scorecard against the plan, funnel by channel, vintage curves, roll rates, NPL and "
        "PAR30, cohort retention, attribution by model, CAC vs 12-month value, model ROC and "
        "calibration. Built from the serving snapshot; a section whose input is missing says so.",
        group_name=SERVING_GROUP,
        kinds={"python", "html"},
    )
    def html_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        report = build_report(Path(serving_dir) / SNAPSHOT_NAME, Path(serving_dir) / REPORT_NAME,
                              mlflow_dir=mlflow_dir(data_dir))
        for anchor, why in report.missing.items():
            context.log.warning(f"report section {anchor} not shown: {why}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "size_bytes": report.path.stat().st_size,
            "sections": ", ".join(report.sections),
            "missing": dg.MetadataValue.json(report.missing),
        })

    return html_report
