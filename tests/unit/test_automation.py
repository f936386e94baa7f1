"""Declarative automation: derived assets follow a load once ingestion settled, in ONE run; the
serving snapshot and report follow in a run of their own."""

import datetime as dt

import dagster as dg
import pytest
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests
from dagster._core.test_utils import create_run_for_test

from lending.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import TRAINING_ASSETS
from orchestration.policy import INGESTION_JOB, SETTLE_SECONDS, ingestion_state

LOANS = dg.AssetKey(["raw", "loans"])
DAY = "2025-01-15"


@dg.op
def noop():
    return None


@dg.job(name=INGESTION_JOB)
def fake_ingestion():
    noop()


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    root = tmp_path_factory.mktemp("automation")
    return build_definitions(Settings.from_env({"LENDING_DATA_DIR": str(root)}))


def materialize(instance, keys, graph):
    for key in keys:
        partition = DAY if graph.get(key).partitions_def else None
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))


def tick(defs, instance, cursor=None, at=None):
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor,
                                               evaluation_time=at)
    requested = {s.key for s in result._requested_subsets if not s.is_empty}
    runs = build_run_requests(list(result._requested_subsets), defs.resolve_asset_graph(),
                              run_tags=None, emit_backfills=True)
    return requested, runs, result.cursor


def test_a_load_updates_its_descendants_in_one_run_and_nothing_else(defs):
    graph = defs.resolve_asset_graph()
    ingestion = {n.key for n in graph.asset_nodes if n.group_name == "ingestion"}
    derived = {n.key for n in graph.asset_nodes
               if n.is_materializable and n.key not in ingestion}
    with dg.instance_for_test() as instance:
        requested, _, cursor = tick(defs, instance)
        assert requested == set()  # nothing loaded yet: dbt would fail on missing raw tables
        materialize(instance, ingestion | derived, graph)  # a built platform (as `make run`)
        tick(defs, instance, cursor)
        requested, _, cursor = tick(defs, instance, cursor)
        assert requested == set()  # nothing new

        # a load in progress: raw/loans is in, another source is still loading
        materialize(instance, [LOANS], graph)
        loading = create_run_for_test(instance, job_name=INGESTION_JOB,
                                      status=dg.DagsterRunStatus.STARTED)
        requested, _, cursor = tick(defs, instance, cursor)
        assert requested == set()
        instance.report_run_canceled(loading)  # the load ended ...
        requested, _, cursor = tick(defs, instance, cursor)
        assert requested == set()  # ... just now: `make run` starts its own build right away
        settled = dt.datetime.now() + dt.timedelta(seconds=SETTLE_SECONDS + 1)
        requested, runs, cursor = tick(defs, instance, cursor, at=settled)

        # the build ran (a failed model would just not appear here): now, in a run of its own,
        # the snapshot and the report (issue 19: one failure must not skip the publish)
        materialize(instance, requested, graph)
        published, publish_runs, cursor = tick(defs, instance, cursor, at=settled)
        again, _, _ = tick(defs, instance, cursor, at=settled)

    manual = set(TRAINING_ASSETS.resolve(graph))
    serving = set(dg.AssetSelection.groups("serving").resolve(graph))
    expected = (dg.AssetSelection.assets(LOANS).downstream(include_self=False)
                .resolve(graph)) - manual - serving
    assert requested == expected
    assert dg.AssetKey(["staging", "stg_loans"]) in requested
    assert dg.AssetKey(["staging", "stg_users"]) not in requested  # its source did not change
    # the whole cascade in one run: the dbt models of a run are few `dbt build` steps
    assert len(runs) == 1 and set(runs[0].asset_selection) == requested
    assert published == serving == {dg.AssetKey(["serving", "warehouse_snapshot"]),
                                    dg.AssetKey(["serving", "html_report"])}
    assert len(publish_runs) == 1
    assert again == set()  # published once


def test_ingestion_state_waits_for_loads_and_settling():
    keys = {LOANS}
    now = dt.datetime.now(dt.UTC)
    with dg.instance_for_test() as instance:
        assert "nothing has been loaded" in ingestion_state(instance, keys, now)
        instance.report_runless_asset_event(dg.AssetMaterialization(LOANS, partition=DAY))
        assert ingestion_state(instance, keys, now) is None
        waiting = create_run_for_test(instance, job_name="__ASSET_JOB", asset_selection=keys,
                                     status=dg.DagsterRunStatus.NOT_STARTED)
        assert waiting.run_id in ingestion_state(instance, keys, now)
        instance.report_run_canceled(waiting)  # ended just now: settling
        assert "ended" in ingestion_state(instance, keys, dt.datetime.now(dt.UTC))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=SETTLE_SECONDS + 1)
        assert ingestion_state(instance, keys, later) is None
        fake_ingestion.execute_in_process(instance=instance)
        later = dt.datetime.now(dt.UTC)
        assert "ended" in ingestion_state(instance, keys, later)
        settled = later + dt.timedelta(seconds=SETTLE_SECONDS + 1)
        assert ingestion_state(instance, keys, settled) is None


def test_automation_is_on_by_default_and_off_by_env(tmp_path):
    assert Settings.from_env({}).automation
    off = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path), "LENDING_AUTOMATION": "off"})
    assert not off.automation
    defs = build_definitions(off)
    assert defs.resolve_sensor_def("automation").default_status == dg.DefaultSensorStatus.STOPPED
    assert defs.resolve_sensor_def("landing_sensor").default_status == dg.DefaultSensorStatus.STOPPED
    schedule = defs.resolve_schedule_def("daily_ingestion_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_sensors_and_schedule_start_running(defs):
    assert defs.resolve_sensor_def("automation").default_status == dg.DefaultSensorStatus.RUNNING
    assert defs.resolve_sensor_def("landing_sensor").default_status == dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("daily_ingestion_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
