"""`make run` in Python: materialize every asset through Dagster, then print a summary.

Runs go to the persistent Dagster instance in $DAGSTER_HOME (data/dagster_home), so `make ui`
shows them. Ingestion covers every export day found in the landing zone, in one run (single-run
backfill); then the warehouse (dbt, attribution, ML) is built in a second run, and the serving
snapshot and report are published in a third, whatever the build's outcome: a failed model or test
skips only its own descendants, the snapshot keeps the last good version of what could not be
rebuilt (marked stale), and the summary names what failed; the exit code is then 1 (issue 19).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

import dagster as dg
import yaml

from lending import build_stamp
from lending.contract import load_contract
from lending.dbt import ensure_manifest
from lending.ingestion.files import landing_days
from lending.settings import DEFAULT_WRITER_WAIT_TIMEOUT, Settings
from lending.summary import print_summary
from ml.registry import mlflow_dir
from orchestration.jobs import BUILD_WAREHOUSE_JOB, PUBLISH_JOB
from orchestration.partitions import RELOAD_TAG, ReprocessRangeError, reprocess_span
from orchestration.policy import INGESTION_JOB
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
    """Create ``home`` with the instance config; the event log's folder written in absolutely.

    Why absolute: a process that opens the instance from its folder (a test, a script) may have
    no ``DAGSTER_HOME`` or another one in its environment, and must still read this history."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        instance = yaml.safe_load(INSTANCE_TEMPLATE.read_text())
        runs = home.resolve() / "history" / "runs"
        instance["event_log_storage"]["config"] = {"base_dir": str(runs) + os.sep}
        config.write_text(f"# Written from {INSTANCE_TEMPLATE.name} in orchestration/ (comments "
                          f"there).\n{yaml.safe_dump(instance, sort_keys=False)}")


def landing_range(settings: Settings) -> tuple[str, str] | None:
    days = [d for s in load_contract().sources for d in landing_days(settings.landing_dir, s)]
    days = [d for d in days if d >= settings.start_date]
    if not days:
        return None
    return min(days).isoformat(), max(days).isoformat()


def run_pipeline(
    defs: dg.Definitions, instance: dg.DagsterInstance, span: tuple[str, str],
    wait_timeout: float = DEFAULT_WRITER_WAIT_TIMEOUT, reload: bool = False,
    stamp: Settings | None = None, rebuild: bool = False,
) -> list[dg.ExecuteInProcessResult]:
    """Ingest the export days in ``span`` in one run, build the warehouse in another, publish
    the snapshot and report in a third (after a partly failed build too).

    Ingestion leaves days whose inputs did not change since their last load as they are, unless
    ``reload`` (make reprocess). ``wait_timeout``: how long a run waits for the writer pool
    (Settings.writer_wait_timeout). With ``stamp`` (the settings of ``make run``), a clean build
    is stamped, and the build is skipped, unless ``rebuild``, when nothing it reads changed since
    the last stamp (lending/build_stamp.py): the results are then those of the ingestion and
    publish runs only."""
    tags = {RANGE_START_TAG: span[0], RANGE_END_TAG: span[1], LAUNCHED_BY_TAG: "make_run"}
    if reload:
        tags[RELOAD_TAG] = "true"
    # GuardedRun: stops cleanly on SIGINT/SIGTERM, says which run holds the writer pool.
    ingest = GuardedRun(instance, defs.resolve_job_def(INGESTION_JOB), timeout=wait_timeout).execute(
        run_config=QUIET, tags=tags, raise_on_error=False,
    )
    results = [ingest]
    inputs = build_stamp.current_inputs(stamp) if stamp is not None else None
    previous = (build_stamp.unchanged(stamp, inputs, mlflow_dir(stamp.data_dir))
                if inputs and not rebuild else None)
    if previous is not None:
        print(f"Nothing the warehouse build reads changed since build run {previous['run_id']}: "
              "build skipped (`make run REBUILD=1` builds anyway)", flush=True)
    else:
        if stamp is not None:
            build_stamp.clear(stamp)
        print("Building the warehouse (dbt build, attribution, ML)", flush=True)
        build = GuardedRun(instance, defs.resolve_job_def(BUILD_WAREHOUSE_JOB),
                           timeout=wait_timeout).execute(
            run_config=QUIET, tags={LAUNCHED_BY_TAG: "make_run"}, raise_on_error=False,
        )
        results.append(build)
        if inputs is not None and build.success:
            build_stamp.stamp_if_clean(stamp, inputs, mlflow_dir(stamp.data_dir), build.run_id)
    print("Publishing the serving snapshot and the report", flush=True)
    results.append(GuardedRun(instance, defs.resolve_job_def(PUBLISH_JOB), timeout=wait_timeout).execute(
        run_config=QUIET, tags={LAUNCHED_BY_TAG: "make_run"}, raise_on_error=False,
    ))
    return results


def run(settings: Settings, span: tuple[str, str] | None = None, reload: bool = False,
        rebuild: bool = False) -> int:
    """Ingest ``span`` (default: every export day found; with ``reload`` even the unchanged
    ones), build (unless nothing changed since the last clean build; always with ``reload`` or
    ``rebuild``), print the summary."""
    # Parse with the settings the build uses, so dbt's partial parsing stays valid; parses again
    # only if a model, macro or setting changed.
    ensure_manifest(settings)
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    span = span or landing_range(settings)
    if span is None:
        print(f"No export days under {settings.landing_dir}: nothing to ingest.", file=sys.stderr)
        return 1
    ensure_dagster_home(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        recover_dead_runs(instance)  # a killed earlier run must not hold the writer pool
        which = "every export day" if reload else "new and changed export days"
        print(f"Ingesting {which} in {span[0]} .. {span[1]} from {settings.landing_dir}",
              flush=True)
        try:
            results = run_pipeline(defs, instance, span, settings.writer_wait_timeout, reload,
                                   stamp=settings, rebuild=reload or rebuild)
        except RunInterrupted as stopped:
            print(f"make run stopped: {stopped}", file=sys.stderr)
            code = 130 if stopped.canceled else 1
            if stopped.abandoned:  # a step ignored the interrupt: its run is already closed
                terminate_children()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
            return code
    failures = print_summary(settings)
    ok = all(r.success for r in results) and not failures
    if not ok:
        print("Some steps failed: see the summary above and the runs in `make ui`.",
              file=sys.stderr)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli")
    parser.add_argument("command", choices=["run", "summary", "reprocess"])
    parser.add_argument("--from", dest="start", help="reprocess: first export day YYYY-MM-DD")
    parser.add_argument("--to", dest="end", help="reprocess: last export day (default --from)")
    parser.add_argument("--rebuild", action="store_true",
                        help="run: build the warehouse even if nothing changed since the last build")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "reprocess":  # see orchestration/partitions.py
        try:
            span = reprocess_span(args.start, args.end, settings)
        except ReprocessRangeError as exc:
            print(exc, file=sys.stderr)
            return 2
        return run(settings, span, reload=True)
    if args.command == "summary":
        print_summary(settings)
        return 0
    return run(settings, rebuild=args.rebuild)


if __name__ == "__main__":
    exit_code = main()
    # Everything the process built (the definitions of ~1,000 assets and checks, dbt's manifest)
    # is left to the operating system: the interpreter's garbage collection of it at exit cost
    # ~1.2 s a `make run` (measured on the tiny platform), for nothing. Files, connections and
    # the Dagster instance are closed by now; exit handlers (logging) still run.
    gc.freeze()
    raise SystemExit(exit_code)
