"""Jobs and schedules: ingest yesterday's exports every morning, then rebuild the warehouse."""

import dagster as dg

from orchestration.settings import TIMEZONE

INGESTION = dg.AssetSelection.groups("ingestion")

daily_ingestion_job = dg.define_asset_job(
    "daily_ingestion",
    selection=INGESTION,
    description="Load one or more export days (partitions) from the landing zone into raw.*.",
)

build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - INGESTION,
    description="dbt build of staging and marts (models, data tests, unit tests).",
)

daily_ingestion_schedule = dg.build_schedule_from_partitioned_job(
    daily_ingestion_job, hour_of_day=6, minute_of_hour=0
)

build_warehouse_schedule = dg.ScheduleDefinition(
    job=build_warehouse_job, cron_schedule="30 6 * * *", execution_timezone=TIMEZONE
)
