"""The warehouse build follows a successful ingestion run, once per waiting build."""

import dagster as dg
from dagster._core.test_utils import create_run_for_test

from orchestration.sensors import build_after_ingestion


@dg.op
def noop():
    return None


@dg.job(name="daily_ingestion")
def fake_ingestion():
    noop()


def evaluate(instance, tags=None):
    result = fake_ingestion.execute_in_process(instance=instance, tags=tags)
    success = next(e for e in result.all_events if e.event_type_value == "PIPELINE_SUCCESS")
    context = dg.build_run_status_sensor_context(
        sensor_name=build_after_ingestion.name,
        dagster_event=success,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    return build_after_ingestion(context), result.run_id


def test_a_successful_ingestion_requests_one_build():
    with dg.instance_for_test() as instance:
        request, run_id = evaluate(instance)
    assert isinstance(request, dg.RunRequest) and request.run_key == run_id


def test_no_second_build_while_one_is_waiting():
    with dg.instance_for_test() as instance:
        create_run_for_test(instance, job_name="build_warehouse", status=dg.DagsterRunStatus.NOT_STARTED)
        request, _ = evaluate(instance)
    assert isinstance(request, dg.SkipReason)



def test_runs_of_make_run_do_not_trigger_a_second_build():
    with dg.instance_for_test() as instance:
        request, _ = evaluate(instance, tags={"lending/launched_by": "make_run"})
    assert isinstance(request, dg.SkipReason)
