"""Jobs and the schedule: ingest yesterday's exports every morning. The derived assets follow by
declarative automation (orchestration/automation.py), never on a clock of their own;
``build_warehouse`` is the second run of ``make run`` and a manual rebuild from the UI."""

import dagster as dg

from orchestration.automation import automation_schedule_status

INGESTION = dg.AssetSelection.groups("ingestion")

daily_ingestion_job = dg.define_asset_job(
    "daily_ingestion",
    selection=INGESTION,
    description="Load one or more export days (partitions) from the landing zone into raw.*.",
)

build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - INGESTION,
    description="dbt build of staging and marts (models and data tests), ML, serving.",
)

daily_ingestion_schedule = dg.build_schedule_from_partitioned_job(
    daily_ingestion_job, hour_of_day=6, minute_of_hour=0,
    default_status=automation_schedule_status(),
)
