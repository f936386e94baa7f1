"""The Dagster ingestion asset loads what changed; a reprocess run (RELOAD_TAG) loads it all."""

import dagster as dg

from lending.contract import load_contract
from lending.settings import Settings
from orchestration.assets.ingestion import build_ingestion_asset
from orchestration.partitions import RELOAD_TAG, daily_export_partitions
from orchestration.resources import LandingZone, WarehouseResource
from tests.conftest import write_day

HEADER = "spend_date,channel,campaign_id,spend_cny,impressions,clicks"


def test_a_rerun_skips_unchanged_days_and_a_reprocess_run_reloads_them(tmp_path):
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path),
                                  "LENDING_START_DATE": "2025-03-01"})
    settings.warehouse_path.parent.mkdir(parents=True)
    source = load_contract().sources["marketing_spend"]
    for day, spend in (("2025-03-01", "100.00"), ("2025-03-02", "200.00")):
        write_day(settings.landing_dir, source.name, day,
                  f"{HEADER}\n{day},search_ads,C1,{spend},1000,10\n", source.extension)
    asset = build_ingestion_asset(source, daily_export_partitions(settings))
    resources = {"landing": LandingZone(path=str(settings.landing_dir)),
                 "duckdb": WarehouseResource.from_settings(settings)}

    def run(tags: dict | None = None) -> dict:
        result = dg.materialize([asset], resources=resources, tags={
            "dagster/asset_partition_range_start": "2025-03-01",
            "dagster/asset_partition_range_end": "2025-03-02", **(tags or {})})
        events = result.get_asset_materialization_events()  # one per export day, same metadata
        assert sorted(e.partition for e in events) == ["2025-03-01", "2025-03-02"]
        meta = events[0].materialization.metadata
        return {k: meta[k].value for k in ("days_loaded", "days_unchanged", "rows_read")}

    assert run() == {"days_loaded": 2, "days_unchanged": 0, "rows_read": 2}
    assert run() == {"days_loaded": 0, "days_unchanged": 2, "rows_read": 0}
    write_day(settings.landing_dir, source.name, "2025-03-02",
              f"{HEADER}\n2025-03-02,search_ads,C1,250.00,1000,10\n", source.extension)
    assert run() == {"days_loaded": 1, "days_unchanged": 1, "rows_read": 1}
    assert run({RELOAD_TAG: "true"}) == {"days_loaded": 2, "days_unchanged": 0, "rows_read": 2}
    with settings.warehouse().connect(read_only=True) as con:
        assert con.execute("select spend_date::varchar, spend_cny::double "
                           "from raw.marketing_spend order by 1").fetchall() == [
            ("2025-03-01", 100.0), ("2025-03-02", 250.0)]
