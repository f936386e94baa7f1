"""`make run` in Python: materialize every asset through Dagster, then print a summary.

Runs go to the persistent Dagster instance in $DAGSTER_HOME (data/dagster_home), so `make ui`
shows them. Ingestion covers every export day found in the landing zone, in one run (single-run
backfill); then the warehouse (dbt) is built in a second run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import dagster as dg
import duckdb

from lending.contract import load_contract
from lending.ingestion.dayranges import day_ranges
from lending.ingestion.files import landing_days
from lending.reference_report import format_unknown_codes, unknown_codes
from lending.settings import Settings
from orchestration.reprocess import ReprocessRangeError, reprocess_span
from orchestration.runs.guard import GuardedRun, RunInterrupted, terminate_children
from orchestration.runs.recovery import recover_dead_runs
from orchestration.sensors import LAUNCHED_BY_TAG  # make run builds the warehouse itself

INSTANCE_TEMPLATE = Path(__file__).with_name("dagster.yaml")
# Run tags Dagster reads for a partition-range (single-run backfill) run.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Runs from the command line log warnings and errors only; the UI shows every event.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def ensure_dagster_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(INSTANCE_TEMPLATE, config)


def landing_range(settings: Settings) -> tuple[str, str] | None:
    days = [d for s in load_contract().sources for d in landing_days(settings.landing_dir, s)]
    days = [d for d in days if d >= settings.start_date]
    if not days:
        return None
    return min(days).isoformat(), max(days).isoformat()


def run_pipeline(
    defs: dg.Definitions, instance: dg.DagsterInstance, span: tuple[str, str]
) -> list[dg.ExecuteInProcessResult]:
    """Ingest every export day in ``span`` in one run, then build the warehouse in another."""
    # GuardedRun: stops cleanly on SIGINT/SIGTERM, says which run holds the writer pool.
    ingest = GuardedRun(instance, defs.resolve_job_def("daily_ingestion")).execute(
        run_config=QUIET,
        tags={RANGE_START_TAG: span[0], RANGE_END_TAG: span[1], LAUNCHED_BY_TAG: "make_run"},
        raise_on_error=False,
    )
    print("Building the warehouse (dbt build) and the serving snapshot", flush=True)
    build = GuardedRun(instance, defs.resolve_job_def("build_warehouse")).execute(
        run_config=QUIET, tags={LAUNCHED_BY_TAG: "make_run"}, raise_on_error=False,
    )
    return [ingest, build]


def run(settings: Settings, span: tuple[str, str] | None = None) -> int:
    """Ingest ``span`` (default: every export day found), build, print the summary."""
    from orchestration.dbt_project import ensure_manifest

    # Parse with the same profile the build uses, so dbt's partial parsing stays valid.
    os.environ.update(settings.dbt_env())
    ensure_manifest()  # parses again only if a model, macro or setting changed
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    span = span or landing_range(settings)
    if span is None:
        print(f"No export days under {settings.landing_dir}: nothing to ingest.", file=sys.stderr)
        return 1
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / "dagster_home")))
    ensure_dagster_home(home)
    with dg.DagsterInstance.get() as instance:
        recover_dead_runs(instance)  # a killed earlier run must not hold the writer pool
        print(f"Ingesting export days {span[0]} .. {span[1]} from {settings.landing_dir}",
              flush=True)
        try:
            results = run_pipeline(defs, instance, span)
        except RunInterrupted as stopped:
            print(f"make run stopped: {stopped}", file=sys.stderr)
            code = 130 if stopped.canceled else 1
            if stopped.abandoned:  # a step ignored the interrupt: its run is already closed
                terminate_children()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
            return code
    print_summary(settings)
    ok = all(r.success for r in results)
    if not ok:
        print("Some steps failed: see the runs in `make ui`.", file=sys.stderr)
    return 0 if ok else 1


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
        if schema in ("raw", "staging", "intermediate", "marts", "ml")
    ]


def print_summary(settings: Settings) -> None:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
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
        failed = con.execute(
            """select source, list(_partition_date order by _partition_date), any_value(error)
               from raw.load_log where status = 'failed' group by source order by source"""
        ).fetchall()
    print(f"\nWarehouse {settings.warehouse_path}")
    print(f"{'table':<48}{'rows':>12}")
    for schema, name, n in rows:
        print(f"{schema + '.' + name:<48}{n:>12,}")
    if quarantine:
        print("\nQuarantined rows (raw.quarantine): "
              + ", ".join(f"{s} {n:,}" for s, n in quarantine))
    if unknown:
        print(unknown)
    for source, days, example in failed:
        print(f"\nExport days of {source} that could not be loaded (raw.load_log): "
              f"{', '.join(day_ranges(days))}\n  e.g. {example}")
    if headline:
        month_end, loans, outstanding, npl, par30 = headline
        print(f"\nPortfolio at {month_end}: {loans:,} active loans, {outstanding:,.2f} CNY "
              f"outstanding, NPL ratio {npl:.2%}, PAR30 {par30:.2%} (marts.mart_portfolio_monthly)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli")
    parser.add_argument("command", choices=["run", "summary", "reprocess"])
    parser.add_argument("--from", dest="start", help="reprocess: first export day YYYY-MM-DD")
    parser.add_argument("--to", dest="end", help="reprocess: last export day (default --from)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "reprocess":  # see orchestration/reprocess.py
        try:
            span = reprocess_span(args.start, args.end, settings)
        except ReprocessRangeError as exc:
            print(exc, file=sys.stderr)
            return 2
        return run(settings, span)
    if args.command == "summary":
        print_summary(settings)
        return 0
    return run(settings)


if __name__ == "__main__":
    raise SystemExit(main())
