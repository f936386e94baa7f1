"""The serving family: what BI tools and analysts read, published after the marts and ML scores.

- ``serving/warehouse_snapshot``: the read-only snapshot (DuckDB file + Parquet), a thin shell over
  ``lending.serving.publish``.
- ``serving/html_report``: the HTML report, a thin shell over ``lending.report.build_report``. It
  reads the published snapshot (so it depends on that asset, and needs no writer pool: it never
  opens the warehouse) and writes ``<serving>/report.html`` on every build.
"""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from lending.report import REPORT_NAME, build_report
from lending.serving import (
    PARQUET_DIR,
    PARQUET_SCHEMAS,
    PUBLISHED_SCHEMAS,
    SNAPSHOT_NAME,
    publish,
)
from ml.registry import mlflow_dir
from orchestration.policy import SERVING_GROUP
from orchestration.resources import WRITER_POOL, WarehouseResource

SNAPSHOT_KEY = dg.AssetKey([SERVING_GROUP, "warehouse_snapshot"])
REPORT_KEY = dg.AssetKey([SERVING_GROUP, "html_report"])


def serving_deps(upstream: Iterable[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Every upstream asset whose key starts with a published schema (marts/..., ml/...): the
    snapshot waits for all of them, whichever marts and score tables exist today."""
    keys = {k for assets in upstream for k in assets.keys if k.path[0] in PUBLISHED_SCHEMAS}
    return sorted(keys, key=lambda k: k.path)


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
        "row_counts": published.row_counts,
        "contents": dg.MetadataValue.md(
            "| table | rows | parquet (under the version folder) |\n| --- | ---: | --- |\n" + rows),
    }


def build_serving_asset(
    upstream: dg.AssetsDefinition | Iterable[dg.AssetsDefinition], serving_dir: str
) -> dg.AssetsDefinition:
    upstream = [upstream] if isinstance(upstream, dg.AssetsDefinition) else list(upstream)

    @dg.asset(
        key=SNAPSHOT_KEY,
        deps=serving_deps(upstream),
        description=f"Read-only copy of the {', '.join(PUBLISHED_SCHEMAS)} schemas in "
        f"{serving_dir}/{SNAPSHOT_NAME}, plus one Parquet file per table of "
        f"{', '.join(PARQUET_SCHEMAS)} in {serving_dir}/{PARQUET_DIR}/<schema>/<table>.parquet; "
        "both swapped in together, atomically. BI tools and analysts read these, never the "
        "warehouse the pipeline writes (README, For analysts).",
        group_name=SERVING_GROUP,
        kinds={"duckdb", "parquet"},
        pool=WRITER_POOL,
    )
    def warehouse_snapshot(duckdb: WarehouseResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            published = publish(con, serving_dir)
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
