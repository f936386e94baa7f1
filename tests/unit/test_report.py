"""The HTML report on a tiny hand-made snapshot: values, missing inputs, nothing fetched."""

import datetime as dt
import re

import duckdb
import matplotlib
import pandas as pd
import pytest

from lending.report import build_report
from lending.report.sections import DISCLOSURE_FIGURES

matplotlib.use("Agg")


def _snapshot(path, *, with_ml: bool) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""
        create table marts.mart_kpi_scorecard as select * from (values
          (date '2025-01-01', 'NPL ratio', 0.02, 'below', null, 0.01, 'ratio', 'missed', null),
          (date '2025-02-01', 'NPL ratio', 0.005, 'below', null, 0.01, 'ratio', 'not_observable',
           'incomplete_month'),
          (date '2025-01-01', 'CAC per new borrower', 1234.4, 'at_most', null, 1000.0, 'CNY',
           'missed', null),
          (date '2025-02-01', 'CAC per new borrower', null, 'at_most', null, 1000.0, 'CNY',
           'not_observable', 'no_data')
        ) t(month_start_date, kpi_name, actual, direction, target_min, target_max, unit, status,
            status_reason)""")
    con.execute("""
        create table marts.mart_portfolio_monthly as select * from (values
          (date '2025-01-31', 0.0, 0.05), (date '2025-02-28', 0.01, 0.08)
        ) t(month_end_date, npl_ratio, par30_ratio)""")
    con.execute("""
        create table marts.mart_roll_rates as select * from (values
          (date '2025-01-31', 'M0', 'M0', 0.9), (date '2025-02-28', 'M0', 'M0', 0.75),
          (date '2025-02-28', 'M0', 'M1', 0.25), (date '2025-02-28', 'M1', 'M2', 1.0)
        ) t(month_end_date, from_state, to_state, balance_rate)""")
    con.execute("""
        create table marts.mart_ecl_monthly as select * from (values
          (date '2025-01-31', 1, 10, 1000.00, 20.00),
          (date '2025-02-28', 1, 10, 1000.00, 30.00), (date '2025-02-28', 1, 5, 1000.00, 10.00),
          (date '2025-02-28', 3, 2, 500.00, 450.00)
        ) t(month_end_date, stage, loans, gross_carrying_amount, allowance)""")
    # every figure 0.5, except the ones checked; January must not be shown
    figures = ", ".join(f"0.5 as {c}" for c, _, _ in DISCLOSURE_FIGURES
                        if c not in ("cumulative_loans", "overdue_count_rate", "max_all_in_apr"))
    con.execute(f"""
        create table marts.mart_disclosure_monthly as
        select *, {figures} from (values
          (date '2025-01-31', 'all', true, 999, 0.9, 0.9),
          (date '2025-02-28', 'consumer', false, 1234, 0.0925, 0.444742),
          (date '2025-02-28', 'all', true, 21587, 0.0925, null)
        ) t(month_end_date, product, is_total, cumulative_loans, overdue_count_rate, max_all_in_apr)""")
    con.execute("create table marts.mart_vintage (cohort_month date, months_on_book integer, "
                "ever_dpd30_rate double, is_complete_month boolean)")  # empty
    con.execute("create table main.snapshot_info as select 'abcdef0123456789' as version_id, "
                "timestamptz '2025-03-01 08:00:00+00' as published_at")
    if with_ml:
        con.execute("create schema ml")
        con.execute("""
            create table ml.model_registry as select * from (values
              ('credit_pd', 2, 'champion', 0.71, 0.42, 0.3, 0.1, 'run2'),
              ('credit_pd', 1, 'retired', 0.69, 0.38, 0.3, 0.1, 'run1')
            ) t(model_name, version, status, auc_oot, gini_oot, ks_oot, brier_oot,
                mlflow_run_id)""")
    con.close()


def _mlflow_artifacts(root):
    import matplotlib.pyplot as plt

    artifacts = root / "artifacts" / "run2" / "artifacts"
    (artifacts / "plots").mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(artifacts / "plots" / "roc.png")
    plt.close(fig)
    pd.DataFrame({"decile": [1, 2], "n": [5, 5], "predicted": [0.1, 0.3],
                  "observed": [0.0, 0.4]}).to_csv(artifacts / "calibration_by_decile.csv",
                                                  index=False)


def test_report_values_and_missing_sections(tmp_path):
    snapshot = tmp_path / "lending.duckdb"
    _snapshot(snapshot, with_ml=True)
    _mlflow_artifacts(tmp_path / "mlflow")
    out = tmp_path / "serving" / "report.html"

    report = build_report(snapshot, out, mlflow_dir=tmp_path / "mlflow")
    page = out.read_text(encoding="utf-8")

    assert report.path == out
    assert report.sections == ["kpi", "roll-rates", "npl", "regulatory", "models"]
    assert report.missing["vintage"] == "marts.mart_vintage has no rows yet."
    assert report.missing["funnel"] == "marts.mart_funnel_monthly is not in the serving snapshot yet."
    assert page.count('class="missing">Not shown:') == 5  # funnel vintage retention attribution cac
    # KPI table: ratio as percent, CNY rounded, status classes, plan text, reasons on hover
    assert '<td class="missed" title="missed">2.00%</td>' in page
    assert '<td class="not_observable" title="not yet observable: incomplete_month">0.50%</td>' in page
    assert '<td class="missed" title="missed">1,234</td>' in page
    assert '<td class="not_observable" title="not yet observable: no_data">–</td>' in page
    assert "<td>&lt; 1%</td>" in page and "<td>≤ 1,000 CNY</td>" in page
    # heat map of the LATEST month only: 75% / 25% / 100% cells, not January's 90%
    roll = page[page.index('data-chart="roll_rates"'):page.index('id="npl"')]
    assert all(f"<!-- {v} -->" in roll for v in ("75%", "25%", "100%"))
    assert "<!-- 90% -->" not in roll
    # model section: champion only, its ROC PNG inline and the calibration drawn from the CSV
    assert "run1" not in page and "0.710" in page
    assert 'data-chart="roc_credit_pd"><img alt="ROC credit_pd" src="data:image/png;base64,' in page
    assert 'data-chart="calibration_credit_pd"' in page
    # regulatory: allowance by stage at the latest month-end (Feb), coverage 40 / 2000, 450 / 500,
    # total 490 / 2500; the disclosure table of Feb, total column first, a null shown as a dash
    ecl = page[page.index('id="regulatory"'):page.index('id="retention"')]
    assert "Loss allowance by stage at 2025-02-28" in ecl and "Disclosure at 2025-02-28" in ecl
    assert ("<th>Stage 1 (12-month ECL)</th>\n      <td>15</td>\n      <td>2,000</td>\n"
            "      <td>40</td>\n      <td>2.00%</td>") in ecl
    assert "<td>90.00%</td>" in ecl and "<th>Total</th>\n      <td>17</td>" in ecl
    assert "<td>19.60%</td>" in ecl
    assert "<th>all</th>\n      <th>consumer</th>" in ecl
    assert "<td>21,587</td>\n      <td>1,234</td>" in ecl and "<td>999</td>" not in ecl
    assert "<td>9.25%</td>" in ecl and "<td>–</td>\n      <td>44.47%</td>" in ecl
    assert "snapshot abcdef012345 published 2025-03-01" in page
    # self-contained: no script, nothing fetched
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//|url\(\s*["\']?https?:|@import', page)
    # 3 SVG charts + 1 calibration SVG + 1 PNG
    assert page.count('<figure class="chart"') == 5
    assert list(out.parent.iterdir()) == [out]  # no temporary file left


def test_report_without_ml_registry_says_so_and_replaces_the_file(tmp_path):
    snapshot = tmp_path / "lending.duckdb"
    _snapshot(snapshot, with_ml=False)
    out = tmp_path / "report.html"
    out.write_text("old report", encoding="utf-8")
    before = dt.datetime.now()

    report = build_report(snapshot, out, mlflow_dir=None)

    assert report.missing["models"] == "ml.model_registry is not in the serving snapshot yet."
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "old report" not in page
    assert dt.datetime.fromtimestamp(out.stat().st_mtime) >= before.replace(microsecond=0)


def test_report_needs_an_existing_snapshot(tmp_path):
    with pytest.raises(duckdb.IOException):
        build_report(tmp_path / "absent.duckdb", tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


def test_report_renders_in_chromium(tmp_path):
    from tests.browser import inspect_page, screenshot

    snapshot = tmp_path / "lending.duckdb"
    _snapshot(snapshot, with_ml=True)
    _mlflow_artifacts(tmp_path / "mlflow")
    out = build_report(snapshot, tmp_path / "report.html", mlflow_dir=tmp_path / "mlflow").path

    checks = inspect_page(out, tmp_path)

    assert checks["errors"] == [] and checks["console"] == [] and checks["fetched"] == []
    assert [c["name"] for c in checks["charts"]] == [
        "roll_rates", "npl_par30", "ecl_coverage", "roc_credit_pd", "calibration_credit_pd"]
    for chart in checks["charts"]:
        assert chart["width"] > 100 and chart["height"] > 50 and chart["loaded"], chart
        assert chart["marks"] > 0, chart
    assert screenshot(out, "report-unit.png", height=2500).stat().st_size > 10_000
