"""Load export days as they land: a sensor that requests one ingestion run per new day.

A day is "new" when its dt=YYYY-MM-DD folder exists for some source and that source's raw asset
has no materialization for the day yet. The run key is the day, so a day is requested once; a
day that was re-delivered is reloaded by re-running its partition (ingestion is idempotent).
Created stopped: turn it on in the UI (Automation) where exports arrive continuously.
"""

import dagster as dg

from orchestration.contract import Contract
from orchestration.ingestion.files import landing_days
from orchestration.jobs import daily_ingestion_job
from orchestration.resources import LandingZone

MAX_RUNS_PER_TICK = 31


def build_landing_sensor(contract: Contract, start_date: str) -> dg.SensorDefinition:
    @dg.sensor(
        job=daily_ingestion_job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Requests a daily_ingestion run for every landed export day not yet loaded.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
        pending: set[str] = set()
        for name in contract.sources:
            landed = {d.isoformat() for d in landing_days(landing.root, name)}
            loaded = context.instance.get_materialized_partitions(dg.AssetKey(["raw", name]))
            pending |= {d for d in landed - loaded if d >= start_date}
        for day in sorted(pending)[:MAX_RUNS_PER_TICK]:
            yield dg.RunRequest(run_key=day, partition_key=day)
        if not pending:
            yield dg.SkipReason("no new export days")

    return landing_sensor
