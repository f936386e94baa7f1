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
from lending.warehouse import relation_exists


class MissingInput(Exception):
    """The section cannot be drawn: the message says which input is absent or empty."""


def read(con: duckdb.DuckDBPyConnection, relation: str, sql: str) -> pd.DataFrame:
    """``sql`` over ``relation`` (schema.table); MissingInput when it is absent or empty."""
    schema, name = relation.split(".")
    if not relation_exists(con, schema, name):
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


STAGE_NAMES = {1: "Stage 1 (12-month ECL)", 2: "Stage 2 (lifetime ECL)", 3: "Stage 3 (lifetime ECL)"}
COUNT, CNY, RATIO = "{:,.0f}".format, "{:,.0f}".format, "{:.2%}".format
# (mart_disclosure_monthly column, row label, format) in table order
DISCLOSURE_FIGURES = (
    ("cumulative_loans", "Loans disbursed since inception", COUNT),
    ("cumulative_principal", "Principal disbursed since inception (CNY)", CNY),
    ("cumulative_borrowers", "Borrowers since inception", COUNT),
    ("loans_outstanding", "Loans outstanding", COUNT),
    ("principal_outstanding", "Principal outstanding (CNY)", CNY),
    ("active_borrowers", "Active borrowers", COUNT),
    ("overdue_count_rate", "Overdue rate by count (项目逾期率, DPD ≥ 1)", RATIO),
    ("overdue_amount_rate", "Overdue rate by amount (金额逾期率, DPD ≥ 1)", RATIO),
    ("overdue_90_count_rate", "Overdue > 90 days by count", RATIO),
    ("overdue_90_amount_rate", "Overdue > 90 days by amount", RATIO),
    ("largest_borrower_share", "Largest borrower, share of outstanding", RATIO),
    ("top_borrowers_share", "Largest borrowers (top N), share of outstanding", RATIO),
    ("disbursed_loans", "Loans disbursed in the month", COUNT),
    ("avg_contract_apr", "Mean contract APR (disbursed in the month)", RATIO),
    ("avg_all_in_apr", "Mean all-in APR, fees included", RATIO),
    ("max_all_in_apr", "Highest all-in APR", RATIO),
    ("share_loans_all_in_apr_over_24", "Share above 24% all-in", RATIO),
    ("share_loans_all_in_apr_over_36", "Share above 36% all-in", RATIO),
)


def regulatory(con) -> str:
    """Loss allowance and coverage by stage at the latest month-end, coverage by stage over time,
    and the disclosure table of that month-end (docs/regulatory_definitions.md)."""
    stages = read(con, "marts.mart_ecl_monthly", """
        select month_end_date, stage, sum(loans) as loans,
               cast(sum(gross_carrying_amount) as double) as gross,
               cast(sum(allowance) as double) as allowance
        from marts.mart_ecl_monthly group by month_end_date, stage order by month_end_date, stage""")
    latest = stages["month_end_date"].max()
    now = stages[stages["month_end_date"].eq(latest)].set_index("stage")[["loans", "gross", "allowance"]]
    now.index = now.index.map(STAGE_NAMES)
    now.loc["Total"] = now.sum()
    now["coverage"] = now["allowance"] / now["gross"]
    allowance = pd.DataFrame({
        "loans": now["loans"].map(COUNT), "gross carrying amount (CNY)": now["gross"].map(CNY),
        "allowance (CNY)": now["allowance"].map(CNY), "coverage": now["coverage"].map(RATIO)})
    stages["coverage"] = stages["allowance"] / stages["gross"]
    trend = stages.pivot(index="month_end_date", columns="stage", values="coverage")
    trend.columns = [f"stage {s}" for s in trend.columns]
    disclosure = read(con, "marts.mart_disclosure_monthly", f"""
        select month_end_date, product, {', '.join(c for c, _, _ in DISCLOSURE_FIGURES)}
        from marts.mart_disclosure_monthly
        where month_end_date = (select max(month_end_date) from marts.mart_disclosure_monthly)
        order by is_total desc, product""")
    disclosed = disclosure["month_end_date"].iloc[0]
    disclosure = disclosure.set_index("product")
    table = pd.DataFrame({label: disclosure[c].astype(float).map(fmt, na_action="ignore")
                          for c, label, fmt in DISCLOSURE_FIGURES}).T.fillna("–")
    return (f"<h3>Loss allowance by stage at {latest:%Y-%m-%d}</h3>"
            + allowance.to_html(classes="ecl", border=0)
            + figure(charts.lines(trend, "Coverage ratio (allowance / gross carrying amount) by stage",
                                  "coverage"), "ecl_coverage")
            + f"<h3>Disclosure at {disclosed:%Y-%m-%d}</h3>"
            + table.to_html(classes="disclosure", border=0)
            + '<p class="meta">Definitions: docs/regulatory_definitions.md.</p>')
