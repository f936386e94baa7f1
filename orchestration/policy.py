"""Platform-wide rules for every asset, in one place: groups, owners, automation, freshness.

``apply_policy`` (called by orchestration/definitions.py on every spec) gives other families
(fraud, finance, KPI, reports, ...) the same treatment without code of their own: an owner from
``orchestration/owners.yml`` when the asset declares none, the automation condition
``after_upstream()`` on every derived asset, and freshness policies on the raw sources and on what
analysts read (the published schemas and the serving group). The Dagster UI shows an asset whose
last materialization is older than its window as stale (WARN, then FAIL).

Declarative automation (``after_upstream``): everything downstream of ingestion follows its
upstream by itself. It replaced the old ``build_after_ingestion`` sensor (one monolithic rebuild
after every load): Dagster's ``eager()`` adapted to this platform:

- ``any_deps_missing`` ignores the daily-partitioned raw assets: their partitions run up to
  today, and a day without an export folder is normal, not a reason to stop the marts.
- ``IngestionSettled`` holds everything back while a run that loads raw data is queued or in
  progress, and for ``SETTLE_SECONDS`` after the last such run ended (``make run``
  starts its own build right after its ingestion run). So the marts never see half a day
  (applications loaded, loans not yet), and one tick then requests the whole downstream graph
  at once: the automation sensor (orchestration/sensors.py) groups a tick's requests into ONE
  run, whose dbt steps are few and large (a dbt invocation costs ~7 s of start-up).

The serving snapshot (``after_build``) is requested in its OWN run once the run that updated its
upstream has ended, never in the same run: in that run it would be skipped as soon as one upstream
table failed to rebuild, and readers would lose every family's new data for one family's failure
(issue 19). ``make run`` does the same with its third run (``publish``).

Training assets that a schedule owns (``ml_retrain``) keep their own cadence; score assets keep the
condition they declare.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import dagster as dg
import yaml

from lending.ingestion.schema import RAW_SCHEMA
from lending.serving import PUBLISHED_SCHEMAS

# Asset groups of the platform's own assets (dbt models take the family of their folder, e.g.
# risk, lifecycle: orchestration/assets/dbt.py).
LANDING_GROUP = "landing"
INGESTION_GROUP = "ingestion"
STAGING_GROUP = "staging"
ATTRIBUTION_GROUP = "attribution"
ML_GROUP = "ml"
SERVING_GROUP = "serving"
# The job that loads raw data (orchestration/jobs.py): derived assets wait while it runs.
INGESTION_JOB = "daily_ingestion"

OWNERS_FILE = Path(__file__).with_name("owners.yml")
# Exports land daily (the schedule loads yesterday at 06:00): a raw source one missed day late
# warns, two days late fails. Marts follow ingestion by automation, hence the same windows.
RAW_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=26)
)
MART_FRESHNESS = RAW_FRESHNESS
# Groups that are not derived: landing files are external, ingestion is loaded by its own
# schedule and sensor (partitioned, daily).
NOT_AUTOMATED_GROUPS = (LANDING_GROUP, INGESTION_GROUP)
SETTLE_SECONDS = 60
_WAITING = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
_ENDED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


@cache
def owners_config() -> dict:
    return yaml.safe_load(OWNERS_FILE.read_text(encoding="utf-8"))


def owner_for(group: str | None, key: dg.AssetKey | None = None) -> str:
    """The asset's own entry in owners.yml, else its group's owner, else the default."""
    config = owners_config()
    by_asset = config.get("assets") or {}
    if key is not None and key.to_user_string() in by_asset:
        return by_asset[key.to_user_string()]
    return config["groups"].get(group or "", config["default"])


def reads_analysts(spec: dg.AssetSpec) -> bool:
    return spec.key.path[0] in PUBLISHED_SCHEMAS or spec.group_name == SERVING_GROUP


def is_raw_source(spec: dg.AssetSpec) -> bool:
    return spec.group_name == INGESTION_GROUP and spec.key.path[0] == RAW_SCHEMA


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


def after_build() -> dg.AutomationCondition:
    """Some upstream asset was updated since the snapshot was last requested or published, and no
    upstream asset is in progress or about to be requested: publish, in a run of its own."""
    A = dg.AutomationCondition
    updated = A.any_deps_match(A.newly_updated()).since_last_handled()
    return (updated & ~A.any_deps_in_progress() & ~A.any_deps_match(A.will_be_requested())
            & ~A.in_progress() & IngestionSettled()).with_label("after_build")


def apply_policy(spec: dg.AssetSpec, manual: frozenset[dg.AssetKey] = frozenset()) -> dg.AssetSpec:
    """Owner, automation condition and freshness policy for one spec (only where none is set).

    ``manual``: assets a schedule owns (model training), which must not follow every load.
    """
    changes: dict = {}
    if not spec.owners:
        changes["owners"] = [owner_for(spec.group_name, spec.key)]
    if (spec.automation_condition is None and spec.group_name not in NOT_AUTOMATED_GROUPS
            and spec.key not in manual and spec.partitions_def is None):
        changes["automation_condition"] = after_upstream()
    if spec.freshness_policy is None and (is_raw_source(spec) or reads_analysts(spec)):
        changes["freshness_policy"] = RAW_FRESHNESS if is_raw_source(spec) else MART_FRESHNESS
    return spec.replace_attributes(**changes) if changes else spec
