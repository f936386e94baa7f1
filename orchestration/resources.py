"""Resources: the landing zone, the warehouse, the dbt CLI and the ML registry, all built from one
``Settings`` (``build_resources``), and the pool every warehouse writer runs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from pydantic import Field

from lending.dbt import DBT_EXECUTABLE, in_environ
from lending.settings import DBT_PROJECT_DIR, DEFAULT_ML_THREADS, Settings
from lending.warehouse import Warehouse
from ml.registry import Registry

# DuckDB allows one writer per file: every asset and op that opens the warehouse runs in this pool,
# limited to 1 by the instance config (orchestration/dagster.yaml), so runs queue instead of
# failing on the lock; orchestration/runs/ watches it.
WRITER_POOL = "duckdb_writer"


class LandingZone(dg.ConfigurableResource):
    """Root folder of the source exports (see docs/landing_contract.md)."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse: connections from the one factory (lending/warehouse.py), so assets,
    dbt and ML run with the same memory limit and time zone."""

    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        warehouse = settings.warehouse()
        return cls(database=str(warehouse.path), connection_config=warehouse.config,
                   timezone=warehouse.timezone)

    def warehouse(self) -> Warehouse:
        return Warehouse(Path(self.database), self.connection_config["memory_limit"], self.timezone)

    @contextmanager
    def get_connection(self) -> Iterator:
        with self.warehouse().connect() as con:
            yield con


class LendingDbtCliResource(DbtCliResource):
    """dbt with the settings' variables (``Settings.dbt_env``: warehouse, memory limit, time zone,
    PII key) in its subprocess environment.

    dagster-dbt builds the subprocess environment from ``os.environ`` inside ``cli()`` and takes
    no environment argument (dagster_dbt/core/resource.py), so ``env`` is laid over it only while
    ``cli()`` starts dbt, and the process environment is restored before it returns: nothing
    leaks to other dbt calls or to the rest of the run.
    """

    env: dict[str, str] = Field(default_factory=dict)

    def cli(self, args, **kwargs):
        with in_environ(self.env):
            return super().cli(args, **kwargs)


class MlRegistry(dg.ConfigurableResource):
    """Where MLflow keeps its SQLite registry and artifacts (<data_dir>/mlflow), and the OpenMP
    threads the models fit and score with."""

    data_dir: str
    threads: int = DEFAULT_ML_THREADS

    def open(self) -> Registry:
        return Registry(self.data_dir)


def build_resources(settings: Settings, dbt_project_dir: Path = DBT_PROJECT_DIR) -> dict:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "landing": LandingZone(path=str(settings.landing_dir)),
        "duckdb": WarehouseResource.from_settings(settings),
        "dbt": LendingDbtCliResource(project_dir=str(dbt_project_dir),
                                     profiles_dir=str(dbt_project_dir),
                                     dbt_executable=DBT_EXECUTABLE, env=settings.dbt_env()),
        "ml_registry": MlRegistry(data_dir=str(settings.data_dir), threads=settings.ml_threads),
    }
