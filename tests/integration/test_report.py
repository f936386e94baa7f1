"""The HTML report of the integration pipeline, opened in headless Chromium.

The session pipeline (tests/integration/conftest.py) builds the report like any asset; this
module reads what it wrote: the asset's metadata path, the sections, and what a browser renders.
"""

import dagster as dg
import pytest

from lending.report import REPORT_NAME
from tests.browser import inspect_page, screenshot

pytestmark = pytest.mark.integration

REPORT_KEY = dg.AssetKey(["serving", "html_report"])
# Sections the 3-month pipeline has data for (the ML registry only once a model trains).
CHARTS = {"funnel", "vintage", "roll_rates", "npl_par30", "ecl_coverage", "retention", "attribution",
          "cac_value"}


def _materialization(result) -> dg.AssetMaterialization:
    (event,) = [e for e in result.get_asset_materialization_events()
                if e.asset_key == REPORT_KEY]
    return event.step_materialization_data.materialization


def test_report_built_by_the_pipeline_with_its_path_in_metadata(pipeline):
    expected = pipeline["settings"].serving_dir / REPORT_NAME
    for run in ("first", "second"):
        materialization = _materialization(pipeline[run][2])  # [ingest, build, publish]
        assert materialization.metadata["path"] == dg.MetadataValue.path(str(expected))
    page = expected.read_text(encoding="utf-8")
    assert "<script" not in page
    assert 'id="kpi"><h2>KPI scorecard against the plan</h2><table class="scorecard">' in page
    assert not [p for p in expected.parent.glob(f".{REPORT_NAME}.*")]  # no temporary left


def test_report_renders_every_chart_in_chromium(pipeline, tmp_path):
    page = pipeline["settings"].serving_dir / REPORT_NAME

    checks = inspect_page(page, tmp_path)

    assert checks["errors"] == [], checks["errors"]
    assert checks["console"] == [], checks["console"]
    assert checks["fetched"] == [], checks["fetched"]
    names = {c["name"] for c in checks["charts"]}
    assert names >= CHARTS, names
    for chart in checks["charts"]:
        assert chart["width"] > 100 and chart["height"] > 50 and chart["loaded"], chart
        assert chart["marks"] > 0, chart
    assert screenshot(page, "report.png").stat().st_size > 10_000
