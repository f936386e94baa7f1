"""Resources: where the landing zone is, the warehouse connection, and the dbt CLI."""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from lending.settings import Settings


class LandingZone(dg.ConfigurableResource):
    """Root folder of the source exports (see docs/landing_contract.md)."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


def build_resources(settings: Settings, dbt_project_dir: Path) -> dict:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "landing": LandingZone(path=str(settings.landing_dir)),
        "duckdb": DuckDBResource(database=str(settings.warehouse_path),
                                 connection_config={"memory_limit": settings.duckdb_memory_limit}),
        "dbt": DbtCliResource(project_dir=str(dbt_project_dir), profiles_dir=str(dbt_project_dir)),
    }
