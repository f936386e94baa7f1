"""Export days as Dagster partitions: one per dt=YYYY-MM-DD folder of the landing zone."""

import dagster as dg

from lending.settings import TIMEZONE, Settings


def daily_export_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=settings.start_date.isoformat(), timezone=TIMEZONE, end_offset=0
    )
