"""The run summary `make run` prints (and `python -m orchestration.cli summary`): rows per table,
quarantined rows per source, codes missing from the reference data, export days that could not
be loaded, dated seeds applied backwards, dbt models and tests that failed (with the rows at fault,
the file to edit and the stale tables), and the portfolio's headline figures. Read-only on the
warehouse."""

from __future__ import annotations

import duckdb

from lending.build_failures import BuildFailure, current_failures, format_failures
from lending.dbt import MANIFEST_NAME, manifest_dir
from lending.ingestion.dayranges import day_ranges
from lending.reference_report import format_unknown_codes, unknown_codes
from lending.seed_report import seed_backfill_warnings
from lending.settings import Settings

SUMMARY_SCHEMAS = ("raw", "staging", "intermediate", "marts", "ml")


def summary_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    tables = con.execute(
        """select schema_name, table_name from duckdb_tables()
           union all
           select schema_name, view_name from duckdb_views() where not internal
           order by 1, 2"""
    ).fetchall()
    return [
        (schema, name, con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0])
        for schema, name in tables
        if schema in SUMMARY_SCHEMAS
    ]


def print_summary(settings: Settings) -> list[BuildFailure]:
    """Print the summary; returns the nodes whose last build failed (the caller's exit code)."""
    with settings.warehouse().connect(read_only=True) as con:
        rows = summary_rows(con)
        quarantine = con.execute(
            "select source, count(*) from raw.quarantine group by 1 order by 1"
        ).fetchall()
        headline = None
        if any(s == "marts" and n == "mart_portfolio_monthly" for s, n, _ in rows):
            headline = con.execute(
                """select month_end_date, active_loans, outstanding_principal,
                          coalesce(npl_ratio, 0), coalesce(par30_ratio, 0)
                   from marts.mart_portfolio_monthly order by month_end_date desc limit 1"""
            ).fetchone()
        unknown = format_unknown_codes(unknown_codes(con, settings.reference_dir))
        seeds = seed_backfill_warnings(
            con, manifest_dir(settings.dbt_env()) / MANIFEST_NAME)
        failed = con.execute(
            """select source, list(_partition_date order by _partition_date), any_value(error)
               from raw.load_log where status = 'failed' group by source order by source"""
        ).fetchall()
        build_failed = current_failures(con)
    print(f"\nWarehouse {settings.warehouse_path}")
    print(f"{'table':<48}{'rows':>12}")
    for schema, name, n in rows:
        print(f"{schema + '.' + name:<48}{n:>12,}")
    if quarantine:
        print("\nQuarantined rows (raw.quarantine): "
              + ", ".join(f"{s} {n:,}" for s, n in quarantine))
    if unknown:
        print(unknown)
    for warning in seeds:
        print(f"\nWarning: {warning}")
    for source, days, example in failed:
        print(f"\nExport days of {source} that could not be loaded (raw.load_log): "
              f"{', '.join(day_ranges(days))}\n  e.g. {example}")
    if build_failed:
        print(f"\nFailed in the warehouse build ({len(build_failed)}; only their descendants were "
              "skipped, the serving snapshot keeps their last good version, marked stale):")
        print(format_failures(build_failed))
    if headline:
        month_end, loans, outstanding, npl, par30 = headline
        print(f"\nPortfolio at {month_end}: {loans:,} active loans, {outstanding:,.2f} CNY "
              f"outstanding, NPL ratio {npl:.2%}, PAR30 {par30:.2%} (marts.mart_portfolio_monthly)")
    return build_failed
