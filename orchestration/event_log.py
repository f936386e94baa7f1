"""Dagster's SQLite event log, writing a ranged run's partition events in one transaction.

Why: loading 18 months of export days is one single-run backfill of ~550 daily partitions per
source, and Dagster records a planned and a materialization event per partition. The stock
``SqliteEventLogStorage`` writes each event on its own: a new SQLAlchemy engine per write, an
insert statement compiled anew for its inline values, a schema inspection, a commit, twice (the
run's shard and the cross-run index). That was ~5 ms per event here, ~10,000 events for the
demo's first load: most of a demo ingestion run (docs/benchmarks.md).

Dagster already groups these events (``DagsterEventBatchMetadata``) and hands a group to
``store_event_batch`` when ``DAGSTER_EVENT_BATCH_SIZE`` is set; the stock SQLite storage then
stores them one by one. This storage writes a group in one transaction per shard with cached
statements, keeps one engine per shard for the life of the process (still ``NullPool``: a fresh
DBAPI connection per use, so threads and forked processes share nothing), and stores exactly the
same rows as the stock storage (tests/unit/test_event_log.py compares them). Same files, same
schema: an instance can switch between the two at any time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._config import Field, StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import NullPool

# Events of one group are buffered until the group ends (a ranged run's planned or materialization
# events of one step), so the size only caps a group; Dagster reads it from the environment.
BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
DEFAULT_BATCH_SIZE = "10000"


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with real batch writes and one engine per shard.

    Configured in ``dagster.yaml`` (``event_log_storage``); ``base_dir`` defaults to the stock
    location ``$DAGSTER_HOME/history/runs``.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, db.engine.Engine] = {}
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
            engine = self._engines.get(shard)
            if engine is None:
                engine = self._engines[shard] = db.create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=NullPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
            if shard not in self._initialized_dbs:  # also after wipe(), which deletes the files
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store ``events`` as ``store_event`` would one by one, in one transaction per shard.

        Dagster sends only asset events here (materializations, observations, failures and
        planned events; check-planned events too, which keep the one-by-one path)."""
        asset_events = [e for e in events if _is_asset_event(e)]
        if len(asset_events) != len(events) or len({e.run_id for e in events}) != 1:
            for event in events:
                self.store_event(event)
            return
        rows = [self._event_to_row(e) for e in events]
        insert = SqlEventLogStorageTable.insert()
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(insert, rows)
        with self.index_transaction() as conn:
            ids = []
            for row in rows:  # one row per execute: the id each event's tags and record need
                ids.append(conn.execute(insert, row).inserted_primary_key[0])
            self._store_asset_event_tags(conn, events, ids)
            # The asset-key record holds the last event of each kind (the same columns for every
            # event of a kind), so storing the last one of each kind per key gives the same row.
            last: dict[tuple[str, str], tuple[EventLogEntry, int]] = {}
            for event, event_id in zip(events, ids, strict=True):
                key = (event.dagster_event.asset_key.to_string(), event.dagster_event_type)
                last.pop(key, None)  # keep the order in which the last events arrived
                last[key] = (event, event_id)
            for event, event_id in last.values():
                self._store_asset_event(conn, event, event_id)


def _is_asset_event(event: EventLogEntry) -> bool:
    return bool(event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS
                and event.dagster_event.asset_key)
