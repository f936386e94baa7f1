"""What the daily schedule runs for one new export day, as one command (for the benchmark).

In production the ``daily_ingestion`` schedule loads yesterday's partition; then one automation
tick requests everything downstream of it in one run, except the training assets, which keep
their weekly schedule (orchestration/policy.py, orchestration/schedules.py). This runs the same
two runs back to back, without waiting for the automation sensor's settle delay:

    python -m tools.bench.daily --day 2026-06-30
"""

from __future__ import annotations

import argparse

import dagster as dg

from lending.dbt import ensure_manifest
from lending.settings import Settings
from orchestration.cli import QUIET, RANGE_END_TAG, RANGE_START_TAG, ensure_dagster_home
from orchestration.jobs import INGESTION, TRAINING_ASSETS
from orchestration.policy import INGESTION_JOB
from orchestration.runs.guard import GuardedRun

DAILY_UPDATE_JOB = "benchmark_daily_update"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", required=True, help="export day YYYY-MM-DD to load")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    ensure_manifest(settings)
    from orchestration.definitions import build_definitions

    update = dg.define_asset_job(DAILY_UPDATE_JOB,
                                 selection=dg.AssetSelection.all() - INGESTION - TRAINING_ASSETS)
    defs = dg.Definitions.merge(build_definitions(settings), dg.Definitions(jobs=[update]))
    ensure_dagster_home(settings.dagster_home)
    timeout = settings.writer_wait_timeout
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        ingest = GuardedRun(instance, defs.resolve_job_def(INGESTION_JOB), timeout=timeout).execute(
            run_config=QUIET, tags={RANGE_START_TAG: args.day, RANGE_END_TAG: args.day},
            raise_on_error=False)
        build = GuardedRun(instance, defs.resolve_job_def(DAILY_UPDATE_JOB), timeout=timeout).execute(
            run_config=QUIET, raise_on_error=False)
    return 0 if ingest.success and build.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
