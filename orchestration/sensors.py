"""The landing sensor: load export days as they land (the derived assets then follow by
declarative automation, orchestration/automation.py).

``landing_sensor`` requests one ``daily_ingestion`` run per export day that

- has a landing folder but no materialization of some source's raw asset for that day, or
- has a folder that changed (a file arrived late or was re-delivered) since the last tick: a
  single-run backfill marks every day in its range materialized, even a day whose folder was
  still missing, so materialization alone cannot tell that a late folder needs loading.

The cursor is the newest folder modification time seen; the run key is the day plus that time, so
a day is requested once per delivery. Ingestion is idempotent, so a repeated day is harmless.
On by default (LENDING_AUTOMATION=off starts it stopped; the UI toggle overrides it).
"""

import os
from collections import defaultdict

import dagster as dg

from lending.contract import Contract
from lending.ingestion.files import day_dir, landing_days
from orchestration.automation import automation_default_status
from orchestration.jobs import daily_ingestion_job
from orchestration.resources import LandingZone

MAX_RUNS_PER_TICK = 31
LAUNCHED_BY_TAG = "lending/launched_by"  # set by orchestration.cli on the runs of `make run`


def _folder_mtimes(landing: LandingZone, contract: Contract, start_date: str):
    """(source, day) -> modification time (ns) of the day's folder, for days >= start_date."""
    mtimes = {}
    for name in contract.sources:
        for day in landing_days(landing.root, name):
            if day.isoformat() >= start_date:
                mtimes[(name, day.isoformat())] = os.stat(day_dir(landing.root, name, day)).st_mtime_ns
    return mtimes


def build_landing_sensor(contract: Contract, start_date: str) -> dg.SensorDefinition:
    @dg.sensor(
        job=daily_ingestion_job,
        minimum_interval_seconds=300,
        default_status=automation_default_status(),
        description="Requests a daily_ingestion run for every landed export day not yet "
        "loaded, and again when a day's folder changes.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
        cursor = int(context.cursor) if context.cursor else None
        mtimes = _folder_mtimes(landing, contract, start_date)
        loaded = {
            name: context.instance.get_materialized_partitions(dg.AssetKey(["raw", name]))
            for name in contract.sources
        }
        pending: dict[str, int] = defaultdict(int)  # day -> newest folder mtime of the day
        for (name, day), mtime in mtimes.items():
            changed = cursor is not None and mtime > cursor
            if changed or day not in loaded[name]:
                pending[day] = max(pending[day], mtime)
        requested = sorted(pending.items(), key=lambda item: (item[1], item[0]))
        requested = requested[:MAX_RUNS_PER_TICK]
        for day, mtime in sorted(requested):
            yield dg.RunRequest(run_key=f"{day}@{mtime}", partition_key=day)
        if len(requested) < len(pending):  # resume after the last request next tick
            context.update_cursor(str(requested[-1][1] - 1))
        elif mtimes:
            context.update_cursor(str(max(mtimes.values())))
        if not requested:
            yield dg.SkipReason("no new export days")

    return landing_sensor
