"""The Dagster code location: thin wiring of assets, resources, jobs, schedules and sensors, all
built from one ``Settings``; the platform-wide policy (orchestration/policy.py) on every asset."""

import warnings

import dagster as dg

from lending.contract import load_contract
from lending.settings import Settings
from orchestration.assets.attribution import data_driven_attribution
from orchestration.assets.checks import build_row_count_checks, reconciliation_checks
from orchestration.assets.dbt import lending_dbt_models
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.landing import landing_specs, load_log_spec
from orchestration.assets.ml import ml_assets, ml_checks
from orchestration.assets.reference import build_reference_asset
from orchestration.assets.serving import build_report_asset, build_serving_asset
from orchestration.jobs import (
    TRAINING_ASSETS,
    build_warehouse_job,
    daily_ingestion_job,
    ml_promote,
    ml_retrain_job,
    publish_job,
)
from orchestration.partitions import daily_export_partitions
from orchestration.policy import apply_policy
from orchestration.resources import build_resources
from orchestration.schedules import build_schedules
from orchestration.sensors import build_sensors

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
            build_serving_asset([lending_dbt_models, data_driven_attribution, *ml_assets],
                                str(settings.serving_dir)),
            build_report_asset(str(settings.serving_dir), str(settings.data_dir)),
            *ml_assets,
        ],
        asset_checks=[*ml_checks, build_row_count_checks(contract), *reconciliation_checks],
        jobs=[daily_ingestion_job, build_warehouse_job, publish_job, ml_retrain_job, ml_promote],
        schedules=build_schedules(settings),
        sensors=build_sensors(contract, settings),
        resources=build_resources(settings),
    )
    # Owners, automation conditions and freshness for every asset, other families' included.
    manual = frozenset(TRAINING_ASSETS.resolve(defs.resolve_asset_graph()))
    with warnings.catch_warnings():  # map_asset_specs is a preview API
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=lambda spec: apply_policy(spec, manual))


defs = build_definitions(Settings.from_env())
