"""The one connection factory of the DuckDB warehouse: every connection gets the same limits.

The Dagster resource (orchestration/resources.py), the ML reads and writes (ml/) and the command
line tools connect through ``Warehouse.connect``; dbt, a separate process, gets the same values
through its profile (``Settings.dbt_env``). So the memory limit that keeps the two engines of a
build within RAM, and the session time zone that decides what a timestamp's local date is, are
the same everywhere. Build one from the settings: ``Settings.warehouse()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Another process may hold the file for a moment (DuckDB has one writer): retry with a growing
# pause, about 100 s in all, before the error reaches the caller.
CONNECT_RETRIES = 10
FIRST_PAUSE_SECONDS = 0.1


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether the connection's own database has the table or view ``schema.name``: readers of
    ``ops``, ``raw`` and ``ml`` tables run before the build or step that first creates them."""
    return con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = ? and table_name = ?", [schema, name]).fetchall()[0][0] > 0


@dataclass(frozen=True)
class Warehouse:
    path: Path
    memory_limit: str
    timezone: str

    @property
    def config(self) -> dict[str, str]:
        """What ``duckdb.connect(config=...)`` accepts. The time zone is not among it: it needs
        the ICU extension, which only a ``SET`` loads (``connect`` below)."""
        return {"memory_limit": self.memory_limit}

    def open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A new connection (the caller closes it); retried while another process holds the file."""
        pause = FIRST_PAUSE_SECONDS
        for attempt in range(CONNECT_RETRIES + 1):
            try:
                con = duckdb.connect(str(self.path), read_only=read_only, config=self.config)
                break
            except (duckdb.IOException, RuntimeError):
                if attempt == CONNECT_RETRIES:
                    raise
                time.sleep(pause)
                pause *= 2
        con.execute(f"set TimeZone = '{self.timezone}'")
        return con

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.open(read_only)
        try:
            yield con
        finally:
            con.close()
