"""The HTML report asset: a thin shell over lending.report.build_report.

It reads the published serving snapshot (so it depends on that asset, and needs no writer
pool: it never opens the warehouse) and writes ``<serving>/report.html`` on every build.
"""

from pathlib import Path

import dagster as dg

from lending.report import REPORT_NAME, build_report
from lending.serving import SNAPSHOT_NAME

SNAPSHOT_KEY = dg.AssetKey(["serving", "warehouse_snapshot"])


def build_report_asset(serving_dir: str, data_dir: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["serving", "html_report"],
        deps=[SNAPSHOT_KEY],
        description=f"Self-contained HTML report {serving_dir}/{REPORT_NAME} (opens offline): "
        "KPI scorecard against the plan, funnel by channel, vintage curves, roll rates, NPL and "
        "PAR30, cohort retention, attribution by model, CAC vs 12-month value, model ROC and "
        "calibration. Built from the serving snapshot; a section whose input is missing says so.",
        group_name="serving",
        kinds={"python", "html"},
    )
    def html_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        report = build_report(Path(serving_dir) / SNAPSHOT_NAME, Path(serving_dir) / REPORT_NAME,
                              mlflow_dir=Path(data_dir) / "mlflow")
        for anchor, why in report.missing.items():
            context.log.warning(f"report section {anchor} not shown: {why}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "size_bytes": report.path.stat().st_size,
            "sections": ", ".join(report.sections),
            "missing": dg.MetadataValue.json(report.missing),
        })

    return html_report
