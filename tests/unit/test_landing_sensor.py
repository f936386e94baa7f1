"""The landing sensor requests exactly the landed days that are not loaded yet."""

import dagster as dg

from orchestration.contract import load_contract
from orchestration.resources import LandingZone
from orchestration.sensors import build_landing_sensor


def test_sensor_requests_landed_days_without_materialization(tmp_path):
    for day in ("2025-01-01", "2025-01-02", "2025-01-03"):
        (tmp_path / "loans" / f"dt={day}").mkdir(parents=True)
    (tmp_path / "users" / "dt=2024-12-31").mkdir(parents=True)  # before the first partition
    sensor = build_landing_sensor(load_contract(), "2025-01-01")
    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=["raw", "loans"], partition="2025-01-02")
        )
        context = dg.build_sensor_context(
            instance=instance, resources={"landing": LandingZone(path=str(tmp_path))}
        )
        requests = list(sensor(context))
    assert [r.partition_key for r in requests] == ["2025-01-01", "2025-01-03"]
    assert [r.run_key for r in requests] == ["2025-01-01", "2025-01-03"]
