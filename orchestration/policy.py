"""Platform-wide defaults applied to every asset spec in one place (orchestration/definitions.py).

Other families (fraud, finance, KPI, reports, ...) get the same treatment without code of their
own: an owner from ``orchestration/owners.yml`` when the asset declares none, the automation
condition ``after_upstream()`` on every derived asset, and freshness policies on the raw sources
and on what analysts read (the published schemas and the serving group). The Dagster UI shows an
asset whose last materialization is older than its window as stale (WARN, then FAIL).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import dagster as dg
import yaml

from lending.serving import PUBLISHED_SCHEMAS
from orchestration.automation import INGESTION_GROUP, after_upstream

OWNERS_FILE = Path(__file__).with_name("owners.yml")
# Exports land daily (the schedule loads yesterday at 06:00): a raw source one missed day late
# warns, two days late fails. Marts follow ingestion by automation, hence the same windows.
RAW_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=26)
)
MART_FRESHNESS = RAW_FRESHNESS
SERVING_GROUP = "serving"
# Groups that are not derived: landing files are external, ingestion is loaded by its own
# schedule and sensor (partitioned, daily).
NOT_AUTOMATED_GROUPS = ("landing", INGESTION_GROUP)


@cache
def owners_config() -> dict:
    return yaml.safe_load(OWNERS_FILE.read_text(encoding="utf-8"))


def owner_for(group: str | None) -> str:
    config = owners_config()
    return config["groups"].get(group or "", config["default"])


def reads_analysts(spec: dg.AssetSpec) -> bool:
    return spec.key.path[0] in PUBLISHED_SCHEMAS or spec.group_name == SERVING_GROUP


def is_raw_source(spec: dg.AssetSpec) -> bool:
    return spec.group_name == INGESTION_GROUP and spec.key.path[0] == "raw"


def apply_policy(spec: dg.AssetSpec, manual: frozenset[dg.AssetKey] = frozenset()) -> dg.AssetSpec:
    """Owner, automation condition and freshness policy for one spec (only where none is set).

    ``manual``: assets a schedule owns (model training), which must not follow every load.
    """
    changes: dict = {}
    if not spec.owners:
        changes["owners"] = [owner_for(spec.group_name)]
    if (spec.automation_condition is None and spec.group_name not in NOT_AUTOMATED_GROUPS
            and spec.key not in manual and spec.partitions_def is None):
        changes["automation_condition"] = after_upstream()
    if spec.freshness_policy is None and (is_raw_source(spec) or reads_analysts(spec)):
        changes["freshness_policy"] = RAW_FRESHNESS if is_raw_source(spec) else MART_FRESHNESS
    return spec.replace_attributes(**changes) if changes else spec
