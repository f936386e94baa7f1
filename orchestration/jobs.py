"""Jobs: ingestion, the warehouse build, ML retraining and the manual champion change.

The derived assets follow ingestion by declarative automation (orchestration/policy.py), never on
a clock of their own; ``build_warehouse`` is the second run of ``make run`` and a manual rebuild
from the UI, ``publish`` the third. Their schedules: orchestration/schedules.py.

- ``publish``: the serving snapshot and the report, the third run of ``make run`` (after the build,
  whatever its outcome).
- ``ml_retrain``: both training assets (credit_model, churn_model) and the score assets after
  them; scheduled weekly, and launchable from the UI at any time.
- ``ml_promote``: manual champion change with run config (promote a version or roll back), the
  same operation as ``python -m ml.cli promote|rollback``; rewrites ml.model_registry.
"""

from typing import Literal

import dagster as dg

from ml.registry import mirror_to_warehouse
from orchestration.assets.ml import (
    CHURN_MODEL_KEY,
    CHURN_SCORES_KEY,
    CREDIT_MODEL_KEY,
    CREDIT_SCORES_KEY,
)
from orchestration.policy import INGESTION_GROUP, INGESTION_JOB, SERVING_GROUP
from orchestration.resources import WRITER_POOL, MlRegistry, WarehouseResource

BUILD_WAREHOUSE_JOB = "build_warehouse"
PUBLISH_JOB = "publish"
INGESTION = dg.AssetSelection.groups(INGESTION_GROUP)
SERVING = dg.AssetSelection.groups(SERVING_GROUP)
TRAINING_ASSETS = dg.AssetSelection.assets(CREDIT_MODEL_KEY, CHURN_MODEL_KEY)

daily_ingestion_job = dg.define_asset_job(
    INGESTION_JOB,
    selection=INGESTION,
    description="Load one or more export days (partitions) from the landing zone into raw.*.",
)

build_warehouse_job = dg.define_asset_job(
    BUILD_WAREHOUSE_JOB,
    selection=dg.AssetSelection.all() - INGESTION - SERVING,
    description="dbt build of staging and marts (models and data tests), attribution, ML. A "
    "failed model or test skips only its descendants; `publish` runs after it in its own run.",
)

# Its own run, after the build whatever the build's outcome (issue 19): in the build's run the
# snapshot would be skipped as soon as one upstream table was not rebuilt, and the readers would
# lose every family's new data for one family's failure. The snapshot marks what is stale.
publish_job = dg.define_asset_job(
    PUBLISH_JOB,
    selection=SERVING,
    description="The serving snapshot and the HTML report from the warehouse as it is now; "
    "tables a failed build could not rebuild keep their last good version, marked stale.",
)

ml_retrain_job = dg.define_asset_job(
    "ml_retrain",
    selection=TRAINING_ASSETS | dg.AssetSelection.assets(CREDIT_SCORES_KEY, CHURN_SCORES_KEY),
    description="Retrain, gate and register both models, then score with the champions.",
)


class ChampionChange(dg.Config):
    model: str
    action: Literal["promote", "rollback"]
    version: str | None = None   # required for promote
    reason: str = "manual change (Dagster job)"


@dg.op(pool=WRITER_POOL)
def change_champion(context: dg.OpExecutionContext, config: ChampionChange,
                    ml_registry: MlRegistry, duckdb: WarehouseResource) -> str:
    registry = ml_registry.open()
    if config.action == "promote":
        if not config.version:
            raise dg.Failure("promote needs `version`")
        registry.promote(config.model, config.version, config.reason)
    else:
        registry.rollback(config.model, config.reason)
    mirror_to_warehouse(registry, duckdb.warehouse())
    champion = registry.champion_version(config.model)
    context.log.info(f"{config.model}: champion is now version {champion}")
    return str(champion)


@dg.job(description="Manually promote a model version to champion, or roll back to the previous "
                    "champion (config: model, action, version, reason).")
def ml_promote():
    change_champion()
