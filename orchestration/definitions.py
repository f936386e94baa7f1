"""The Dagster code location: thin wiring of assets, resources, jobs and schedules."""

import warnings

import dagster as dg

from orchestration.asset_policy import apply_policy
from orchestration.assets.attribution import data_driven_attribution
from orchestration.assets.checks import build_row_count_checks, reconciliation_checks
from orchestration.assets.dbt import lending_dbt_models
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.landing import landing_specs, load_log_spec
from orchestration.assets.ml import MlRegistry, ml_assets, ml_checks
from orchestration.assets.reference import build_reference_asset
from orchestration.assets.report import build_report_asset
from orchestration.assets.serving import build_serving_asset
from orchestration.automation import automation_sensor
from orchestration.contract import load_contract
from orchestration.jobs import build_warehouse_job, daily_ingestion_job, daily_ingestion_schedule
from orchestration.ml_jobs import TRAINING_ASSETS, ml_promote, ml_retrain_job, ml_weekly_retrain_schedule
from orchestration.partitions import daily_export_partitions
from orchestration.recovery_sensor import recover_dead_runs_sensor
from orchestration.resources import build_resources
from orchestration.sensors import build_landing_sensor
from orchestration.settings import DBT_PROJECT_DIR, Settings

# BackfillPolicy is beta but is the documented way to load a year of partitions in one run.
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def build_definitions(settings: Settings) -> dg.Definitions:
    contract = load_contract()
    defs = dg.Definitions(
        assets=[
            *landing_specs(contract),
            *ingestion_assets(contract, daily_export_partitions(settings)),
            load_log_spec(),
            build_reference_asset(contract, str(settings.reference_dir)),
            lending_dbt_models,
            data_driven_attribution,
            build_serving_asset([lending_dbt_models, *ml_assets], str(settings.serving_dir)),
            build_report_asset(str(settings.serving_dir), str(settings.data_dir)),
            *ml_assets,
        ],
        asset_checks=[*ml_checks, build_row_count_checks(contract), *reconciliation_checks],
        jobs=[daily_ingestion_job, build_warehouse_job, ml_retrain_job, ml_promote],
        schedules=[daily_ingestion_schedule, ml_weekly_retrain_schedule],
        sensors=[
            build_landing_sensor(contract, settings.start_date.isoformat()),
            automation_sensor(),
            recover_dead_runs_sensor,
        ],
        resources={**build_resources(settings, DBT_PROJECT_DIR),
                   "ml_registry": MlRegistry(data_dir=str(settings.data_dir))},
    )
    # Owners, automation conditions and freshness for every asset, other families' included.
    manual = frozenset(TRAINING_ASSETS.resolve(defs.resolve_asset_graph()))
    with warnings.catch_warnings():  # map_asset_specs is a preview API
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=lambda spec: apply_policy(spec, manual))


defs = build_definitions(Settings.from_env())
