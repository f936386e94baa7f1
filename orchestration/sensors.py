"""Sensors: the landing sensor, the automation sensor and the dead-run recovery sensor.

All built from the settings (``build_sensors``). The landing and automation sensors start running
unless LENDING_AUTOMATION=off (Settings.automation; the UI toggle overrides it per instance); the
recovery sensor always runs.

``landing_sensor`` loads export days as they land (the derived assets then follow by declarative
automation, orchestration/policy.py). It requests one ``daily_ingestion`` run per export day that

- has a landing folder but no materialization of some source's raw asset for that day, or
- has a folder that changed (a file arrived late or was re-delivered) since the last tick: a
  single-run backfill marks every day in its range materialized, even a day whose folder was
  still missing, so materialization alone cannot tell that a late folder needs loading.

The cursor is the newest folder modification time seen; the run key is the day plus that time, so
a day is requested once per delivery. Ingestion is idempotent, so a repeated day is harmless.

``automation`` evaluates the automation conditions (in the user code server, for
IngestionSettled) and requests the derived assets whose upstream changed, once ingestion has
settled; one run per tick.

``recover_dead_runs``: under ``make ui``, runs whose process died free the writer pool. The
daemon of ``dagster dev`` evaluates it every 30 seconds; it launches nothing. Without it a killed
run (SIGKILL, OOM, power cut) would block every later run that needs the writer pool, schedule
and sensors included (issue 14).
"""

import os
from collections import defaultdict

import dagster as dg

from lending.contract import Contract
from lending.ingestion.files import day_dir, landing_days
from lending.settings import Settings
from orchestration.assets.ingestion import raw_key
from orchestration.jobs import daily_ingestion_job
from orchestration.resources import LandingZone
from orchestration.runs.recovery import recover_dead_runs

MAX_RUNS_PER_TICK = 31
LAUNCHED_BY_TAG = "lending/launched_by"  # set by orchestration.cli on the runs of `make run`


def _default_status(settings: Settings) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if settings.automation else dg.DefaultSensorStatus.STOPPED


def _folder_mtimes(landing: LandingZone, contract: Contract, start_date: str):
    """(source, day) -> modification time (ns) of the day's folder, for days >= start_date."""
    mtimes = {}
    for name in contract.sources:
        for day in landing_days(landing.root, name):
            if day.isoformat() >= start_date:
                mtimes[(name, day.isoformat())] = os.stat(day_dir(landing.root, name, day)).st_mtime_ns
    return mtimes


def build_landing_sensor(contract: Contract, settings: Settings) -> dg.SensorDefinition:
    start_date = settings.start_date.isoformat()

    @dg.sensor(
        job=daily_ingestion_job,
        minimum_interval_seconds=300,
        default_status=_default_status(settings),
        description="Requests a daily_ingestion run for every landed export day not yet "
        "loaded, and again when a day's folder changes.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
        cursor = int(context.cursor) if context.cursor else None
        mtimes = _folder_mtimes(landing, contract, start_date)
        loaded = {
            name: context.instance.get_materialized_partitions(raw_key(name))
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


def automation_sensor(settings: Settings, target: dg.AssetSelection | None = None
                      ) -> dg.AutomationConditionSensorDefinition:
    """The sensor that evaluates the conditions; in the user code server for IngestionSettled."""
    return dg.AutomationConditionSensorDefinition(
        "automation",
        target=target or dg.AssetSelection.all().without_checks(),
        default_status=_default_status(settings),
        minimum_interval_seconds=30,
        use_user_code_server=True,
        description="Requests the derived assets (dbt models, attribution, scores, serving) "
        "whose upstream changed, once ingestion has settled; one run per tick. "
        "LENDING_AUTOMATION=off starts it stopped.",
    )


@dg.sensor(
    name="recover_dead_runs",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs whose process no longer exists as failed and frees their pool slots.",
)
def recover_dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    recovered = recover_dead_runs(context.instance, log=context.log.warning)
    if recovered:
        return dg.SkipReason(
            "Failed runs whose process is gone: " + ", ".join(r.run_id for r in recovered))
    return dg.SkipReason("No dead runs.")


def build_sensors(contract: Contract, settings: Settings) -> list:
    return [build_landing_sensor(contract, settings), automation_sensor(settings),
            recover_dead_runs_sensor]
