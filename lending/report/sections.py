"""One function per report section: read the snapshot, return the section's HTML body.

A section whose input table is absent from the snapshot (a mart family not built yet, the ML
registry before the first training) or empty says so in the page instead of failing the report:
``MissingInput`` carries that sentence.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import duckdb
import pandas as pd

from lending.report import charts


class MissingInput(Exception):
    """The section cannot be drawn: the message says which input is absent or empty."""


def read(con: duckdb.DuckDBPyConnection, relation: str, sql: str) -> pd.DataFrame:
    """``sql`` over ``relation`` (schema.table); MissingInput when it is absent or empty."""
    schema, name = relation.split(".")
    (exists,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name]).fetchone()
    if not exists:
        raise MissingInput(f"{relation} is not in the serving snapshot yet.")
    frame = con.execute(sql).df()
    if frame.empty:
        raise MissingInput(f"{relation} has no rows yet.")
    return frame


def figure(svg: str, name: str) -> str:
    return f'<figure class="chart" data-chart="{html.escape(name)}">{svg}</figure>'


STATUS_MARK = {"met": "met", "missed": "missed", "not_observable": "not yet observable"}


def kpi_scorecard(con) -> str:
    frame = read(con, "marts.mart_kpi_scorecard", """
        select month_start_date, kpi_name, actual, direction, target_min, target_max, unit,
               status, status_reason
        from marts.mart_kpi_scorecard
        where month_start_date in (select distinct month_start_date from marts.mart_kpi_scorecard
                                   order by 1 desc limit 6)
        order by kpi_name, month_start_date""")
    actual = frame["actual"]
    shown = actual.map("{:.2%}".format).where(frame["unit"].eq("ratio"), actual.map("{:,.0f}".format))
    frame["shown"] = shown.where(actual.notna(), "–")
    frame["cell"] = ('<td class="' + frame["status"] + '" title="' + frame["status"].map(STATUS_MARK)
                     + frame["status_reason"].fillna("").map(lambda s: f": {s}" if s else "")
                     + '">' + frame["shown"] + "</td>")
    bound = frame.drop_duplicates("kpi_name").set_index("kpi_name")
    target = bound.apply(_target_text, axis=1)
    grid = frame.pivot(index="kpi_name", columns="month_start_date", values="cell").fillna("<td></td>")
    head = "".join(f"<th>{m:%Y-%m}</th>" for m in pd.to_datetime(grid.columns))
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(target[k])}</td>{''.join(cells)}</tr>"
        for k, cells in zip(grid.index, grid.to_numpy(), strict=True))
    return ('<table class="scorecard"><thead><tr><th>KPI</th><th>plan</th>' + head
            + f"</tr></thead><tbody>{rows}</tbody></table>"
            '<p class="legend"><span class="met">met</span> <span class="missed">missed</span> '
            '<span class="not_observable">not yet observable</span> (hover a cell for the '
            "reason). Definitions: docs/kpi_definitions.md.</p>")


def _target_text(row: pd.Series) -> str:
    def f(v):
        return f"{v:.0%}" if row["unit"] == "ratio" else f"{v:,.0f} {row['unit']}"
    return {"below": lambda: f"< {f(row.target_max)}", "at_most": lambda: f"≤ {f(row.target_max)}",
            "at_least": lambda: f"≥ {f(row.target_min)}",
            "within": lambda: f"{f(row.target_min)} – {f(row.target_max)}"}[row["direction"]]()


def funnel_by_channel(con) -> str:
    frame = read(con, "marts.mart_funnel_monthly", """
        select channel, sum(visitors) as visitors, sum(registrations) as registrations,
               sum(first_applications) as first_applications,
               sum(first_approvals) as first_approvals, sum(new_borrowers) as new_borrowers
        from marts.mart_funnel_monthly group by channel order by channel""")
    wide = frame.set_index("channel")
    return figure(charts.grouped_bars(wide, "Funnel by channel (all months)", "users (symlog)",
                                      log=True), "funnel")


def vintage_curves(con) -> str:
    frame = read(con, "marts.mart_vintage", """
        select cohort_month, months_on_book, ever_dpd30_rate from marts.mart_vintage
        where is_complete_month""")
    wide = frame.pivot(index="months_on_book", columns="cohort_month", values="ever_dpd30_rate")
    wide.columns = [f"{c:%Y-%m}" for c in pd.to_datetime(wide.columns)]
    return figure(charts.lines(wide, "Vintage curves: ever DPD30 rate by months on book",
                               "share of principal"), "vintage")


def roll_rates(con) -> str:
    frame = read(con, "marts.mart_roll_rates", """
        select from_state, to_state, balance_rate from marts.mart_roll_rates
        where month_end_date = (select max(month_end_date) from marts.mart_roll_rates)""")
    wide = frame.pivot(index="from_state", columns="to_state", values="balance_rate")
    (month,) = con.execute("select max(month_end_date) from marts.mart_roll_rates").fetchone()
    return figure(charts.heatmap(wide, f"Roll rates (balance) into {month:%Y-%m-%d}",
                                 "to state", "from state"), "roll_rates")


def npl_par30(con) -> str:
    frame = read(con, "marts.mart_portfolio_monthly", """
        select month_end_date, npl_ratio as "NPL ratio", par30_ratio as "PAR30"
        from marts.mart_portfolio_monthly order by month_end_date""")
    return figure(charts.lines(frame.set_index("month_end_date"), "NPL and PAR30 trend",
                               "share of outstanding principal"), "npl_par30")


def cohort_retention(con) -> str:
    frame = read(con, "marts.mart_cohort_retention", """
        select cohort_month, months_since_registration, retention_rate
        from marts.mart_cohort_retention where is_complete_month""")
    wide = frame.pivot(index="cohort_month", columns="months_since_registration",
                       values="retention_rate")
    wide.index = [f"{c:%Y-%m}" for c in pd.to_datetime(wide.index)]
    return figure(charts.heatmap(wide, "Cohort retention (active users / cohort size)",
                                 "months since registration", "registration month"), "retention")


def attribution_by_model(con) -> str:
    frame = read(con, "marts.mart_channel_attribution", """
        select channel, model, sum(conversions) as conversions
        from marts.mart_channel_attribution where conversion_type = 'first_loan'
        group by channel, model""")
    wide = frame.pivot(index="channel", columns="model", values="conversions").fillna(0.0)
    return figure(charts.grouped_bars(wide, "New borrowers credited per channel, by model",
                                      "credited first loans"), "attribution")


def cac_vs_value(con) -> str:
    frame = read(con, "marts.mart_channel_performance_monthly", """
        select channel,
               sum(spend) / nullif(sum(new_borrowers), 0) as "CAC per new borrower",
               sum(attributed_value_12m) / nullif(sum(new_borrowers), 0)
                   as "12-month value per new borrower"
        from marts.mart_channel_performance_monthly where is_paid
        group by channel order by channel""")
    return figure(charts.grouped_bars(frame.set_index("channel").fillna(0.0),
                                      "CAC vs 12-month value per paid channel (default model)",
                                      "CNY per credited new borrower"), "cac_value")


def models(con, mlflow_dir: Path | None) -> str:
    """Champion (and latest) versions from ml.model_registry, with the ROC and calibration the
    training run logged to MLflow (``plots/roc.png``, ``calibration_by_decile.csv``)."""
    frame = read(con, "ml.model_registry", """
        select model_name, version, status, auc_oot, gini_oot, ks_oot, brier_oot, mlflow_run_id
        from ml.model_registry
        where status = 'champion' order by model_name""")
    table = frame.drop(columns="mlflow_run_id").to_html(index=False, float_format="{:.3f}".format,
                                                        classes="models", border=0)
    parts = [table]
    for name, run_id in zip(frame["model_name"], frame["mlflow_run_id"], strict=True):
        parts.append(_model_plots(str(name), str(run_id), mlflow_dir))
    return "".join(parts)


def _model_plots(name: str, run_id: str, mlflow_dir: Path | None) -> str:
    # ml.registry.Registry keeps every run's artifacts in <data dir>/mlflow/artifacts/<run id>/
    artifacts = Path(mlflow_dir) / "artifacts" / run_id / "artifacts" if mlflow_dir else None
    if artifacts is None or not artifacts.is_dir():
        return f'<p class="missing">{html.escape(name)}: no MLflow artifacts of run {run_id}.</p>'
    out = []
    roc = artifacts / "plots" / "roc.png"
    if roc.exists():
        data = base64.b64encode(roc.read_bytes()).decode()
        out.append(f'<figure class="chart" data-chart="roc_{html.escape(name)}"><img alt="ROC '
                   f'{html.escape(name)}" src="data:image/png;base64,{data}"></figure>')
    calib = artifacts / "calibration_by_decile.csv"
    if calib.exists():
        out.append(figure(charts.calibration(pd.read_csv(calib), f"{name}: calibration (OOT)"),
                          f"calibration_{name}"))
    if not out:
        return f'<p class="missing">{html.escape(name)}: run {run_id} logged no plots.</p>'
    return f'<div class="model-plots">{"".join(out)}</div>'
