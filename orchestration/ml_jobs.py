"""ML jobs and the weekly retraining schedule.

- ``ml_retrain``: both training assets (credit_model, churn_model) and the score assets after
  them; scheduled Monday 03:00 Asia/Shanghai, and launchable from the UI at any time.
- ``ml_promote``: manual champion change with run config (promote a version or roll back), the
  same operation as ``python -m ml.cli promote|rollback``; rewrites ml.model_registry.
"""


from typing import Literal

import dagster as dg
from dagster_duckdb import DuckDBResource

from lending.settings import TIMEZONE
from ml.registry import mirror_to_warehouse
from orchestration.assets.ingestion import WRITER_POOL
from orchestration.assets.ml import (
    CHURN_MODEL_KEY,
    CHURN_SCORES_KEY,
    CREDIT_MODEL_KEY,
    CREDIT_SCORES_KEY,
    MlRegistry,
)

TRAINING_ASSETS = dg.AssetSelection.assets(CREDIT_MODEL_KEY, CHURN_MODEL_KEY)

ml_retrain_job = dg.define_asset_job(
    "ml_retrain",
    selection=TRAINING_ASSETS | dg.AssetSelection.assets(CREDIT_SCORES_KEY, CHURN_SCORES_KEY),
    description="Retrain, gate and register both models, then score with the champions.",
)

ml_weekly_retrain_schedule = dg.ScheduleDefinition(
    name="ml_weekly_retrain",
    job=ml_retrain_job,
    cron_schedule="0 3 * * 1",
    execution_timezone=TIMEZONE,
    description="Weekly retraining of the credit and churn models (Monday 03:00 local time).",
)


class ChampionChange(dg.Config):
    model: str
    action: Literal["promote", "rollback"]
    version: str | None = None   # required for promote
    reason: str = "manual change (Dagster job)"


@dg.op(pool=WRITER_POOL)
def change_champion(context: dg.OpExecutionContext, config: ChampionChange,
                    ml_registry: MlRegistry, duckdb: DuckDBResource) -> str:
    registry = ml_registry.open()
    if config.action == "promote":
        if not config.version:
            raise dg.Failure("promote needs `version`")
        registry.promote(config.model, config.version, config.reason)
    else:
        registry.rollback(config.model, config.reason)
    mirror_to_warehouse(registry, duckdb.database)
    champion = registry.champion_version(config.model)
    context.log.info(f"{config.model}: champion is now version {champion}")
    return str(champion)


@dg.job(description="Manually promote a model version to champion, or roll back to the previous "
                    "champion (config: model, action, version, reason).")
def ml_promote():
    change_champion()
