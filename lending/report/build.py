"""Build the HTML report from the read-only serving snapshot and swap it in atomically.

The report reads ``<serving>/lending.duckdb`` (the snapshot BI tools read), never the warehouse
the pipeline writes, so it neither waits for nor blocks the DuckDB writer. It is one file with
everything inline (SVG charts, base64 PNGs, CSS): it opens offline, by e-mail or from a share,
and fetches no script, style or font. Like the snapshot, it is written to a temporary file and
``os.replace``d, so a reader never sees half a page.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lending.report import sections

REPORT_NAME = "report.html"

# (anchor, title, section function) in page order
SECTIONS = (
    ("kpi", "KPI scorecard against the plan", sections.kpi_scorecard),
    ("funnel", "Funnel by channel", sections.funnel_by_channel),
    ("vintage", "Vintage curves", sections.vintage_curves),
    ("roll-rates", "Roll-rate heat map", sections.roll_rates),
    ("npl", "NPL and PAR30 trend", sections.npl_par30),
    ("regulatory", "Loss allowance (ECL) and disclosure", sections.regulatory),
    ("retention", "Cohort retention heat map", sections.cohort_retention),
    ("attribution", "Attribution by model per channel", sections.attribution_by_model),
    ("cac", "CAC vs 12-month value per channel", sections.cac_vs_value),
)

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;
color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2rem}
nav a{margin-right:.8rem}figure.chart{margin:.5rem 0}figure.chart svg,figure.chart img{
max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;
text-align:right}th{background:#f5f5f5}
td.met,span.met{background:#d4edda}td.missed,span.missed{background:#f8d7da}
td.not_observable,span.not_observable{background:#eee;color:#777}
.missing{color:#8a6d3b;background:#fcf8e3;padding:.4rem .6rem}
.meta{color:#777;font-size:.8rem}
.model-plots{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
"""


@dataclass
class Report:
    path: Path
    sections: list[str] = field(default_factory=list)  # anchors drawn
    missing: dict[str, str] = field(default_factory=dict)  # anchor -> why not drawn


def _snapshot_info(con: duckdb.DuckDBPyConnection) -> str:
    try:
        version, published = con.execute(
            "select version_id, published_at from main.snapshot_info").fetchone()
    except duckdb.CatalogException:
        return "snapshot without version info"
    return f"snapshot {version[:12]} published {published:%Y-%m-%d %H:%M %Z}"


def _stale_notice(con: duckdb.DuckDBPyConnection) -> str:
    """The tables the last build could not rebuild (lending/serving.py), or nothing."""
    try:
        rows = con.execute("select relation, reason, data_version from main.snapshot_stale_tables "
                           "order by relation").fetchall()
    except duckdb.CatalogException:
        return ""
    if not rows:
        return ""
    items = "".join(
        f"<li>{html.escape(r)}: {html.escape(why)}; "
        f"{'data of snapshot ' + html.escape(v[:12]) if v else 'not available'}</li>"
        for r, why, v in rows)
    return (f'<p class="missing">Stale: the last build could not rebuild {len(rows)} table(s); '
            f"figures from them are older than the rest.</p><ul>{items}</ul>")


def render(con: duckdb.DuckDBPyConnection, mlflow_dir: Path | None = None) -> tuple[str, Report]:
    """The page's HTML and which sections were drawn or left out (and why)."""
    report = Report(path=Path())
    all_sections = (*SECTIONS, ("models", "Model ROC and calibration",
                                lambda c: sections.models(c, mlflow_dir)))
    body = []
    for anchor, title, fn in all_sections:
        try:
            content = fn(con)
            report.sections.append(anchor)
        except sections.MissingInput as exc:
            content = f'<p class="missing">Not shown: {html.escape(str(exc))}</p>'
            report.missing[anchor] = str(exc)
        body.append(f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{content}</section>')
    nav = "".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t, _ in all_sections)
    built = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Lending platform report</title><style>{STYLE}</style></head><body>"
        f"<h1>Lending platform report</h1><p class=\"meta\">Built {built} from the "
        f"{html.escape(_snapshot_info(con))}.</p>{_stale_notice(con)}<nav>{nav}</nav>{''.join(body)}</body></html>")
    return page, report


def build_report(snapshot: Path, out: Path, mlflow_dir: Path | None = None) -> Report:
    """Render the report of ``snapshot`` into ``out`` (temporary file + atomic replace)."""
    out = Path(out)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        page, report = render(con, mlflow_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out)
    report.path = out
    return report
