"""Schedules: ingest yesterday's exports every morning, retrain the models every week.

Times are in the lender's time zone (Settings.timezone). The daily schedule starts running unless
LENDING_AUTOMATION=off (Settings.automation; the UI toggle overrides it per instance); the weekly
retraining starts stopped until turned on in the UI.
"""

import dagster as dg

from lending.settings import Settings
from orchestration.jobs import daily_ingestion_job, ml_retrain_job


def build_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    daily_ingestion_schedule = dg.build_schedule_from_partitioned_job(
        daily_ingestion_job, hour_of_day=6, minute_of_hour=0,
        default_status=(dg.DefaultScheduleStatus.RUNNING if settings.automation
                        else dg.DefaultScheduleStatus.STOPPED),
    )
    ml_weekly_retrain_schedule = dg.ScheduleDefinition(
        name="ml_weekly_retrain",
        job=ml_retrain_job,
        cron_schedule="0 3 * * 1",
        execution_timezone=settings.timezone,
        description="Weekly retraining of the credit and churn models (Monday 03:00 local time).",
    )
    return [daily_ingestion_schedule, ml_weekly_retrain_schedule]
