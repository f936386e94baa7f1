"""Dagster's SQLite event log, writing a ranged run's partition events in one transaction.

Why: loading 18 months of export days is one single-run backfill of ~550 daily partitions per
source, and Dagster records a planned and a materialization event per partition. The stock
``SqliteEventLogStorage`` writes each event on its own: a new SQLAlchemy engine per write, an
insert statement compiled anew for its inline values, a schema inspection, a commit, twice (the
run's shard and the cross-run index). That was ~5 ms per event here, ~10,000 events for the
demo's first load: most of a demo ingestion run (docs/benchmarks.md).

The same holds for every run's creation: Dagster reports one group holding the planned event of
every asset of the run and the check-planned event of every asset check (a dbt build run: ~150
assets and ~770 checks, ~900 events, ~13% of a whole ``make run`` when stored one by one).

Dagster already groups these events (``DagsterEventBatchMetadata``) and hands a group to
``store_event_batch`` when ``DAGSTER_EVENT_BATCH_SIZE`` is set; the stock SQLite storage then
stores them one by one. This storage writes a group of asset events and check-planned events in
one transaction per shard with cached statements, keeps one engine per shard for the life of the
process and the connections of the most recently used shards open between uses (uses are
serialised by the storage's lock, as in the stock storage; a forked child opens its own), and
stores exactly the same rows as the stock storage (tests/unit/test_event_log.py compares what
Dagster reads back and the index shard's rows). Same files, same schema: an instance can switch
between the two at any time.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._config import Field, StringSource
from dagster._core.events import ASSET_EVENTS, DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    SqlEventLogStorageTable,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData, serialize_value
from sqlalchemy.pool import QueuePool

# Events of one group are buffered until the group ends (a ranged run's planned or materialization
# events of one step), so the size only caps a group; Dagster reads it from the environment.
BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
DEFAULT_BATCH_SIZE = "10000"
# Shards whose SQLite connection stays open between uses (the index and the runs being written).
OPEN_SHARDS = 8


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with real batch writes and one engine per shard.

    Configured in ``dagster.yaml`` (``event_log_storage``); ``base_dir`` defaults to the stock
    location ``$DAGSTER_HOME/history/runs``.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, db.engine.Engine] = {}
        self._open_shards: OrderedDict[str, None] = OrderedDict()  # most recently used last
        self._pid = os.getpid()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)
        # Dagster decides whether to hand over groups by this variable, in every process that
        # stores events (run workers, daemon, webserver): the storage that can use them turns
        # it on, unless the user set a size.
        os.environ.setdefault(BATCH_SIZE_VARIABLE, DEFAULT_BATCH_SIZE)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Any):
        base_dir = config_value.get("base_dir") or os.path.join(
            os.environ["DAGSTER_HOME"], "history", "runs", "")
        return cls(base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.engine.Connection]:
        with self._db_lock:
            if os.getpid() != self._pid:  # a forked child: nothing of the parent's is used
                for engine in self._engines.values():
                    engine.dispose(close=False)
                self._engines.clear()
                self._open_shards.clear()
                self._pid = os.getpid()
            engine = self._engines.get(shard)
            if engine is None:
                engine = self._engines[shard] = db.create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=QueuePool, pool_size=1, max_overflow=-1,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                  "check_same_thread": False},
                )
            self._keep_open(shard)
            if shard not in self._initialized_dbs:  # also after wipe(), which deletes the files
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _keep_open(self, shard: str) -> None:
        """Keep the connection of the ``OPEN_SHARDS`` most recently used shards open between uses
        and close that of the others (``dispose``: the engine opens a new one when next used; a
        connection in use elsewhere is closed when it is given back). Why: Dagster stores every
        event on its own, in the run's shard and the index shard, and opening and closing a SQLite
        connection for each (the last connection to a WAL database to close checkpoints it) was
        a third of its time storing a dbt step's ~2,000 events (py-spy, docs/benchmarks.md). The
        bound: the web server reads the shards of many runs."""
        self._open_shards[shard] = None
        self._open_shards.move_to_end(shard)
        while len(self._open_shards) > OPEN_SHARDS:
            oldest, _ = self._open_shards.popitem(last=False)
            self._engines[oldest].dispose()

    def has_table(self, table_name: str) -> bool:
        """The stock check, remembered once the table exists. Dagster asks it for every asset
        check evaluation it stores (``supports_asset_checks``), and the stock storage opens a new
        engine and connection each time to ask SQLite: ~0.8 ms an evaluation, 770 a build run.
        A table, once there, stays until ``wipe`` (which forgets what was seen)."""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def wipe(self) -> None:
        """The stock wipe deletes the run shards' files: their open connections are closed first
        (writes to an open connection of a deleted file would be lost)."""
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._open_shards.clear()
        self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        self._open_shards.clear()
        super().dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store ``events`` as ``store_event`` would one by one, in one transaction per shard.

        Dagster sends groups of asset events (materializations, observations, failures and
        planned events) and, when a run is created, one group of the run's planned events mixed
        with its check-planned events. Those are written here: every event in the run's shard, and
        in the index shard what ``store_event`` writes there for them: the event mirrored in
        ``event_logs`` (its id is the storage id the other rows point to), then the asset event
        tags and asset-key records of the asset events and the planned check execution rows of the
        check-planned events. A group of several runs or holding any other event (a check
        evaluation updates rows that may be in the same group) is stored one by one.
        """
        run_ids = {e.run_id for e in events}
        check_planned = [e for e in events if _is_check_planned_event(e)]
        if (len(run_ids) != 1
                or any(not (_is_asset_event(e) or _is_check_planned_event(e)) for e in events)
                # without the table the stock path raises its "migrate" error
                or (check_planned and not self.supports_asset_checks)):
            for event in events:
                self.store_event(event)
            return
        rows = [self._event_to_row(e) for e in events]
        insert = SqlEventLogStorageTable.insert()
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(insert, rows)
        with self.index_transaction() as conn:
            ids = []
            for row in rows:  # one row per execute: the id each event's other rows need
                ids.append(conn.execute(insert, row).inserted_primary_key[0])
            asset_events = [(e, i) for e, i in zip(events, ids, strict=True) if _is_asset_event(e)]
            if asset_events:
                self._store_asset_event_tags(conn, *zip(*asset_events, strict=True))
            # The asset-key record holds the last event of each kind (the same columns for every
            # event of a kind), so storing the last one of each kind per key gives the same row.
            last: dict[tuple[str, str], tuple[EventLogEntry, int]] = {}
            for event, event_id in asset_events:
                key = (event.dagster_event.asset_key.to_string(), event.dagster_event_type)
                last.pop(key, None)  # keep the order in which the last events arrived
                last[key] = (event, event_id)
            for event, event_id in last.values():
                self._store_asset_event(conn, event, event_id)
            check_rows = [row for e, i in zip(events, ids, strict=True)
                          if _is_check_planned_event(e)
                          for row in self._check_planned_rows(e, i)]
            if check_rows:
                conn.execute(AssetCheckExecutionsTable.insert(), check_rows)

    def _check_planned_rows(self, event: EventLogEntry, event_id: int) -> list[dict[str, Any]]:
        """The rows ``_store_asset_check_evaluation_planned`` inserts for a check-planned event:
        one per partition of the planned subset, or one without partition."""
        planned = event.dagster_event.event_specific_data
        partition_keys = (planned.partitions_subset.get_partition_keys()
                          if planned.partitions_subset else [None])
        return [{
            "asset_key": planned.asset_key.to_string(),
            "check_name": planned.check_name,
            "partition": partition_key,
            "run_id": event.run_id,
            "execution_status": AssetCheckExecutionRecordStatus.PLANNED.value,
            "evaluation_event": serialize_value(event),
            "evaluation_event_timestamp": self._event_insert_timestamp(event),
            "evaluation_event_storage_id": event_id,
        } for partition_key in partition_keys]


def _is_asset_event(event: EventLogEntry) -> bool:
    return bool(event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS
                and event.dagster_event.asset_key)


def _is_check_planned_event(event: EventLogEntry) -> bool:
    return bool(event.is_dagster_event
                and event.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
