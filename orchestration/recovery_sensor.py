"""The ``recover_dead_runs`` sensor: under ``make ui``, runs whose process died free the writer pool.

The daemon of ``dagster dev`` evaluates it every 30 seconds; it launches nothing. It is on by
default: without it a killed run (SIGKILL, OOM, power cut) would block every later run that needs
the ``duckdb_writer`` pool, schedule and sensors included (issue 14).
"""

import dagster as dg

from orchestration.runs.recovery import recover_dead_runs


@dg.sensor(
    name="recover_dead_runs",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs whose process no longer exists as failed and frees their pool slots.",
)
def recover_dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    recovered = recover_dead_runs(context.instance, log=context.log.warning)
    if recovered:
        return dg.SkipReason(
            "Failed runs whose process is gone: " + ", ".join(r.run_id for r in recovered))
    return dg.SkipReason("No dead runs.")
