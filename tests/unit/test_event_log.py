"""The batched SQLite event log stores what Dagster's stock SQLite event log stores.

Same ranged run (a single-run backfill over 40 daily partitions of two assets, then one more
single-partition run) on an instance with each storage; everything Dagster reads back about the
assets and runs must be the same, and the batched storage must have received the groups.
"""

from collections import Counter

import dagster as dg
import pytest

from orchestration import event_log

DAYS = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_date="2025-02-10")


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def left(context: dg.AssetExecutionContext) -> None:
    context.add_output_metadata({"partitions": len(context.partition_keys)})


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[left])
def right(context: dg.AssetExecutionContext) -> None:
    return None


JOB = dg.define_asset_job("both", selection=[left, right])
DEFS = dg.Definitions(assets=[left, right], jobs=[JOB])
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _run_both(instance: dg.DagsterInstance) -> list[str]:
    job = DEFS.resolve_job_def("both")
    ranged = job.execute_in_process(instance=instance, run_config=QUIET, tags={
        "dagster/asset_partition_range_start": "2025-01-01",
        "dagster/asset_partition_range_end": "2025-02-09"})
    single = job.execute_in_process(instance=instance, run_config=QUIET,
                                    partition_key="2025-01-15")
    assert ranged.success and single.success
    return [ranged.run_id, single.run_id]


def _observed(instance: dg.DagsterInstance, run_ids: list[str]) -> dict:
    """What Dagster reads back, with run ids replaced by their position."""
    position = {run_id: i for i, run_id in enumerate(run_ids)}
    out = {}
    for key in (left.key, right.key):
        record = instance.get_asset_records([key])[0]
        latest = instance.get_latest_materialization_event(key)
        materializations = instance.fetch_materializations(key, limit=1000).records
        out[key.to_user_string()] = {
            "materialized": sorted(instance.get_materialized_partitions(key)),
            "count_by_partition": Counter(r.partition_key for r in materializations),
            "latest_partition": latest.dagster_event.partition,
            "latest_run": position[latest.run_id],
            "record_last_run": position[record.asset_entry.last_run_id],
            "record_last_partition": record.asset_entry.last_materialization.dagster_event.partition,
            "storage_ids_ascending": [r.storage_id for r in materializations]
            == sorted((r.storage_id for r in materializations), reverse=True),
        }
    for run_id in run_ids:
        events = Counter((e.dagster_event.event_type_value, e.dagster_event.partition)
                         for e in instance.all_logs(run_id) if e.dagster_event
                         and e.dagster_event.asset_key)
        out[f"run {position[run_id]}"] = sorted(events.items())
    return out


@pytest.fixture
def batched_calls(monkeypatch):
    calls = []
    original = event_log.BatchedSqliteEventLogStorage.store_event_batch

    def spy(self, events):
        calls.append(len(events))
        return original(self, events)

    monkeypatch.setattr(event_log.BatchedSqliteEventLogStorage, "store_event_batch", spy)
    monkeypatch.setenv(event_log.BATCH_SIZE_VARIABLE, "10000")
    return calls


def test_batched_storage_stores_what_the_stock_storage_stores(tmp_path, batched_calls):
    with dg.instance_for_test() as stock:
        expected = _observed(stock, _run_both(stock))
    overrides = {"event_log_storage": {
        "module": "orchestration.event_log", "class": "BatchedSqliteEventLogStorage",
        "config": {"base_dir": str(tmp_path / "runs")}}}
    with dg.instance_for_test(overrides=overrides) as instance:
        assert isinstance(instance.event_log_storage, event_log.BatchedSqliteEventLogStorage)
        observed = _observed(instance, _run_both(instance))
    assert observed == expected
    assert expected["left"]["materialized"] == [f"2025-{m:02d}-{d:02d}" for m, d in
                                                [(1, d) for d in range(1, 32)]
                                                + [(2, d) for d in range(1, 10)]]
    assert expected["left"]["count_by_partition"]["2025-01-15"] == 2
    # The ranged run's planned events came as one group (40 partitions x 2 assets), then its
    # materializations as one group of 40 per asset.
    assert batched_calls[:3] == [80, 40, 40]
