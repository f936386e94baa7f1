"""The landing sensor requests landed days not yet loaded, and days whose folder changed."""

import os

import dagster as dg

from lending.contract import load_contract
from lending.settings import Settings
from orchestration.resources import LandingZone
from orchestration.sensors import build_landing_sensor

SENSOR = build_landing_sensor(load_contract(), Settings.from_env({"LENDING_START_DATE": "2025-01-01"}))


def tick(instance, landing, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"landing": LandingZone(path=str(landing))}
    )
    requests = [r for r in SENSOR(context) if isinstance(r, dg.RunRequest)]
    return [r.partition_key for r in requests], context.cursor


def mark_loaded(instance, day):
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=["raw", "loans"], partition=day)
    )


def test_sensor_requests_landed_days_without_materialization(tmp_path):
    for day in ("2025-01-01", "2025-01-02", "2025-01-03"):
        (tmp_path / "loans" / f"dt={day}").mkdir(parents=True)
    (tmp_path / "users" / "dt=2024-12-31").mkdir(parents=True)  # before the first partition
    with dg.instance_for_test() as instance:
        mark_loaded(instance, "2025-01-02")
        days, _ = tick(instance, tmp_path)
    assert days == ["2025-01-01", "2025-01-03"]


def test_sensor_requests_a_day_whose_folder_arrived_after_its_run(tmp_path):
    first = tmp_path / "loans" / "dt=2025-01-01"
    first.mkdir(parents=True)
    os.utime(first, ns=(1_000, 1_000))
    with dg.instance_for_test() as instance:
        # A backfill over 01..02 marked both days materialized while 02 was still missing.
        mark_loaded(instance, "2025-01-01")
        mark_loaded(instance, "2025-01-02")
        assert tick(instance, tmp_path) == ([], "1000")
        late = tmp_path / "loans" / "dt=2025-01-02"
        late.mkdir()
        os.utime(late, ns=(2_000, 2_000))
        days, cursor = tick(instance, tmp_path, cursor="1000")
        assert (days, cursor) == (["2025-01-02"], "2000")
        assert tick(instance, tmp_path, cursor="2000") == ([], "2000")
