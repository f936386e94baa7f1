"""The batched SQLite event log stores what Dagster's stock SQLite event log stores.

Same ranged run (a single-run backfill over 40 daily partitions of two assets, an unpartitioned
asset and two asset checks, then one more single-partition run) on an instance with each storage;
everything Dagster reads back about the assets, checks and runs must be the same, and the batched
storage must have received the groups and stored the planned ones itself (not one by one).
"""

import sqlite3
import warnings
from collections import Counter

import dagster as dg
import pytest
import sqlalchemy as db
from dagster._core.events import ASSET_CHECK_EVENTS, DagsterEventType
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    SqlEventLogStorageTable,
)

from orchestration import event_log

DAYS = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_date="2025-02-10")


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def left(context: dg.AssetExecutionContext) -> None:
    context.add_output_metadata({"partitions": len(context.partition_keys)})


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[left])
def right(context: dg.AssetExecutionContext) -> None:
    return None


@dg.asset
def solo() -> None:
    return None


@dg.asset_check(asset=solo)
def solo_ok() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


# Partitioned: a row per planned partition. In the ranged run its one result has no partition, so
# (stock Dagster) it is a row of its own and the 40 planned rows stay PLANNED.
with warnings.catch_warnings():  # a check's partitions_def is a preview in Dagster 1.13
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset_check(asset=left, partitions_def=DAYS)
    def left_ok() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)


CHECKS = (left_ok.check_key, solo_ok.check_key)
JOB = dg.define_asset_job("both", selection=[left, right, solo, left_ok, solo_ok])
DEFS = dg.Definitions(assets=[left, right, solo], asset_checks=[left_ok, solo_ok], jobs=[JOB])
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
    storage = instance.event_log_storage
    for check_key in CHECKS:
        history = storage.get_asset_check_execution_history(check_key, limit=1000)
        latest = storage.get_latest_asset_check_execution_by_key([check_key])[check_key]
        out[check_key.name] = {
            "history": [(r.status.value, r.partition, position[r.run_id]) for r in history],
            "latest": (latest.status.value, latest.partition, position[latest.run_id]),
            "planned_event_partitions": sorted(
                r.event.dagster_event.event_specific_data.partitions_subset.get_partition_keys()
                if r.event.dagster_event.event_specific_data.partitions_subset else [None]
                for r in history if r.status.value == "PLANNED"),
        }
    for run_id in run_ids:
        events = Counter((e.dagster_event.event_type_value, e.dagster_event.partition)
                         for e in instance.all_logs(run_id) if e.dagster_event
                         and (e.dagster_event.asset_key
                              or e.dagster_event.event_type in ASSET_CHECK_EVENTS))
        out[f"run {position[run_id]}"] = sorted(events.items(), key=repr)
    # Storage ids are not in the records above: the index shard's rows, to the storage id each
    # check execution points to (the planned event's until a result replaces it).
    events, checks = SqlEventLogStorageTable, AssetCheckExecutionsTable
    with storage.index_connection() as conn:
        out["index events"] = [
            (id_, kind, key, partition, position.get(run_id)) for id_, kind, key, partition, run_id
            in conn.execute(db.select(events.c.id, events.c.dagster_event_type, events.c.asset_key,
                                      events.c.partition, events.c.run_id).order_by(events.c.id))]
        out["check rows"] = [
            (*row[:-1], position[row[-1]]) for row in conn.execute(
                db.select(checks.c.id, checks.c.asset_key, checks.c.check_name, checks.c.partition,
                          checks.c.execution_status, checks.c.evaluation_event_storage_id,
                          checks.c.materialization_event_storage_id, checks.c.run_id)
                .order_by(checks.c.id))]
    return out


@pytest.fixture
def batched_calls(monkeypatch):
    """The size of each group the batched storage received, and the types of the events it
    stored one by one."""
    calls: dict[str, list] = {"batches": [], "one by one": []}
    cls = event_log.BatchedSqliteEventLogStorage
    original_batch, original_event = cls.store_event_batch, cls.store_event

    def batch_spy(self, events):
        calls["batches"].append(len(events))
        return original_batch(self, events)

    def event_spy(self, event):
        calls["one by one"].append(event.dagster_event_type)
        return original_event(self, event)

    monkeypatch.setattr(cls, "store_event_batch", batch_spy)
    monkeypatch.setattr(cls, "store_event", event_spy)
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
    # Check results are stored one by one and find the rows their planned events left.
    assert expected["solo_ok"]["history"] == [("SUCCEEDED", None, 1), ("SUCCEEDED", None, 0)]
    assert expected["left_ok"]["history"][:2] == [("SUCCEEDED", "2025-01-15", 1),
                                                  ("SUCCEEDED", None, 0)]
    assert expected["left_ok"]["history"][2:] == [("PLANNED", day, 0) for day in reversed(
        expected["left"]["materialized"])]
    assert expected["left_ok"]["planned_event_partitions"] == [expected["left"]["materialized"]] * 40
    # Each run's planned events came as one group: the ranged run's 40 partitions x 2 assets, solo
    # and the two checks, then its materializations as one group of 40 per asset; the single
    # partition run's 3 assets and 2 checks. None of them was stored one by one.
    assert batched_calls["batches"] == [83, 40, 40, 5]
    planned = {DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
               DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}
    assert not [kind for kind in batched_calls["one by one"] if kind in planned]


def test_a_table_seen_once_is_not_looked_up_again_until_a_wipe(tmp_path, monkeypatch):
    """Dagster asks whether the check table exists for every check evaluation it stores; the
    storage asks SQLite once, and again after ``wipe``."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    lookups = []
    original = SqliteEventLogStorage.has_table

    def counted(self, table_name):
        lookups.append(table_name)
        return original(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counted)
    storage = event_log.BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        assert storage.has_table("no_such_table") is False
        assert storage.has_table("no_such_table") is False  # an absent table is asked again
        assert all(storage.supports_asset_checks for _ in range(3))
        assert lookups == ["no_such_table", "no_such_table", AssetCheckExecutionsTable.name]
        del lookups[:]
        storage.wipe()  # looks its tables up again (the cache is cleared) ...
        assert AssetCheckExecutionsTable.name in lookups
        seen = len(lookups)
        assert storage.supports_asset_checks  # ... and remembers them
        assert len(lookups) == seen
    finally:
        storage.dispose()


def _dbapi(connection_context) -> object:
    with connection_context() as conn:
        return conn.connection.dbapi_connection


def test_a_shards_connection_stays_open_for_the_most_recent_shards_only(tmp_path, monkeypatch):
    """The index shard and a run's shard reuse their SQLite connection from one use to the next;
    once OPEN_SHARDS other shards were used since, a shard's connection was closed and a new one
    is opened; a forked child (another pid) opens its own."""
    monkeypatch.setattr(event_log, "OPEN_SHARDS", 3)
    storage = event_log.BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        index = _dbapi(storage.index_connection)
        run = _dbapi(lambda: storage.run_connection("run-a"))
        assert _dbapi(storage.index_connection) is index
        assert _dbapi(lambda: storage.run_connection("run-a")) is run
        for other in ("run-b", "run-c"):  # with index and run-a: four shards, three kept open
            _dbapi(lambda other=other: storage.run_connection(other))
        assert _dbapi(lambda: storage.run_connection("run-a")) is run
        reopened = _dbapi(storage.index_connection)  # the least recently used: it was closed
        assert reopened is not index
        assert _dbapi(storage.index_connection) is reopened
        assert _dbapi(lambda: storage.run_connection("run-b")) is not None  # closes run-c
        assert _dbapi(lambda: storage.run_connection("run-a")) is run
        monkeypatch.setattr(event_log.os, "getpid", lambda: -1)
        assert _dbapi(storage.index_connection) is not reopened
        with storage.index_connection() as conn:  # and it works
            assert conn.execute(db.text("select count(*) from event_logs")).scalar() == 0
    finally:
        storage.dispose()


def test_a_wipe_closes_the_open_connections_of_the_files_it_deletes(tmp_path):
    """A row written after ``wipe`` lands in the new shard file, not in the deleted one an open
    connection would still point to."""
    storage = event_log.BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        before = _dbapi(lambda: storage.run_connection("run-a"))
        storage.wipe()
        with storage.run_connection("run-a") as conn:
            assert conn.connection.dbapi_connection is not before
            conn.execute(db.text("insert into event_logs (run_id, event) values ('run-a', '{}')"))
        with sqlite3.connect(tmp_path / "runs" / "run-a.db") as file:
            assert file.execute("select count(*) from event_logs").fetchone() == (1,)
    finally:
        storage.dispose()
