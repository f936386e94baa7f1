"""Declarative automation: everything downstream of ingestion follows its upstream by itself.

Replaces the old ``build_after_ingestion`` sensor (one monolithic rebuild after every load). Each
derived asset (dbt staging, intermediate and marts, feature marts, the Python attribution asset,
the serving snapshot, reports) carries ``after_upstream()``, Dagster's ``eager()`` adapted to
this platform:

- ``any_deps_missing`` ignores the daily-partitioned raw assets: their partitions run up to
  today, and a day without an export folder is normal, not a reason to stop the marts.
- ``IngestionSettled`` holds everything back while a run that loads raw data is queued or in
  progress, and for ``SETTLE_SECONDS`` after the last such run ended (``make run``
  starts its own build right after its ingestion run). So the marts never see half a day
  (applications loaded, loans not yet), and one tick then requests the whole downstream graph
  at once: the automation sensor groups a tick's requests into ONE run, whose dbt steps are few
  and large (a dbt invocation costs ~7 s of start-up).

Training assets that a schedule owns (``ml_retrain``) keep their own cadence; score assets keep the
condition they declare. ``LENDING_AUTOMATION=off`` makes the automation sensor, the landing sensor
and the daily ingestion schedule start stopped (the UI toggles override it per instance).
"""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg

INGESTION_GROUP = "ingestion"
INGESTION_JOB = "daily_ingestion"
SETTLE_SECONDS = 60
AUTOMATION_ENV = "LENDING_AUTOMATION"
_WAITING = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
_ENDED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def automation_default_status(env: dict[str, str] | None = None) -> dg.DefaultSensorStatus:
    """RUNNING unless LENDING_AUTOMATION is off/false/0 (for the sensors and the schedule)."""
    value = (os.environ if env is None else env).get(AUTOMATION_ENV, "on").strip().lower()
    return (dg.DefaultSensorStatus.STOPPED if value in ("off", "false", "0", "no")
            else dg.DefaultSensorStatus.RUNNING)


def automation_schedule_status(env: dict[str, str] | None = None) -> dg.DefaultScheduleStatus:
    running = automation_default_status(env) == dg.DefaultSensorStatus.RUNNING
    return dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED


def ingestion_keys(asset_graph) -> set[dg.AssetKey]:
    return {n.key for n in asset_graph.asset_nodes if n.group_name == INGESTION_GROUP}


def ingestion_state(instance: dg.DagsterInstance, keys: set[dg.AssetKey],
                    now: dt.datetime) -> str | None:
    """Why derived assets must wait for ingestion, or None when it has settled."""
    records = instance.get_asset_records(sorted(keys, key=lambda k: k.path))
    if not any(r.asset_entry.last_materialization for r in records):
        return "nothing has been loaded into raw yet"
    def loads_raw(run: dg.DagsterRun) -> bool:
        return run.job_name == INGESTION_JOB or bool((run.asset_selection or set()) & keys)

    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_WAITING)):
        if loads_raw(run):
            return f"run {run.run_id} loads raw data ({run.status.value})"
    ended = [r for r in instance.get_run_records(filters=dg.RunsFilter(statuses=_ENDED), limit=20)
             if loads_raw(r.dagster_run) and r.end_time]
    if ended:
        age = now.timestamp() - max(r.end_time for r in ended)
        if age < SETTLE_SECONDS:
            return f"the last run loading raw data ended {age:.0f} s ago (< {SETTLE_SECONDS} s)"
    return None


class IngestionSettled(dg.AutomationCondition):
    """True when raw has data and no run is loading it (see the module docstring)."""

    @property
    def name(self) -> str:
        return "ingestion_settled"

    def evaluate(self, context: dg.AutomationContext) -> dg.AutomationResult:
        graph = context.asset_graph
        reason = ingestion_state(context.asset_graph_view.instance, ingestion_keys(graph),
                                 context.evaluation_time)
        if reason:
            context.log.debug(f"waiting for ingestion: {reason}")
        subset = context.get_empty_subset() if reason else context.candidate_subset
        return dg.AutomationResult(context=context, true_subset=subset)


def after_upstream() -> dg.AutomationCondition:
    """``eager()`` that ignores missing raw partitions and waits until ingestion has settled."""
    deps_missing = dg.AutomationCondition.any_deps_missing().ignore(
        dg.AssetSelection.groups(INGESTION_GROUP)
    )
    return (
        dg.AutomationCondition.eager().replace("any_deps_missing", deps_missing)
        & IngestionSettled()
    ).with_label("after_upstream")


def automation_sensor(target: dg.AssetSelection | None = None) -> dg.AutomationConditionSensorDefinition:
    """The sensor that evaluates the conditions; in the user code server for IngestionSettled."""
    return dg.AutomationConditionSensorDefinition(
        "automation",
        target=target or dg.AssetSelection.all().without_checks(),
        default_status=automation_default_status(),
        minimum_interval_seconds=30,
        use_user_code_server=True,
        description="Requests the derived assets (dbt models, attribution, scores, serving) "
        "whose upstream changed, once ingestion has settled; one run per tick. "
        f"{AUTOMATION_ENV}=off starts it stopped.",
    )
