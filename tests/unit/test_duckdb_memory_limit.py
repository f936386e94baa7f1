"""DuckDB's memory limit: one setting, applied by both engines of a build (Dagster's and dbt's).

DuckDB reports the limit in binary units: 1GB = 10^9 bytes = 953.6 MiB.
"""

import json

import duckdb
import pytest

import orchestration.dbt_project  # noqa: F401 - puts the venv's dbt on PATH, as definitions do
from lending.dbt import run_dbt
from lending.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_DUCKDB_MEMORY_LIMIT,
    InvalidSettingError,
    Settings,
)
from orchestration.resources import build_resources

SHOW_LIMIT = "select current_setting('memory_limit') as memory_limit"


def limit_of(setting: str) -> str:
    """What DuckDB itself reports for ``setting`` on a fresh in-memory database."""
    with duckdb.connect(config={"memory_limit": setting}) as con:
        return con.execute(SHOW_LIMIT).fetchone()[0]


def test_default_is_a_quarter_of_memory_and_the_environment_overrides_it(tmp_path):
    assert Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}).duckdb_memory_limit == "25%"
    assert DEFAULT_DUCKDB_MEMORY_LIMIT == "25%"
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path),
                                  "LENDING_DUCKDB_MEMORY_LIMIT": "1GB"})
    assert settings.dbt_env() == {"LENDING_WAREHOUSE_PATH": str(settings.warehouse_path),
                                  "LENDING_DUCKDB_MEMORY_LIMIT": "1GB"}
    assert limit_of("1GB") == "953.6 MiB"


def test_a_value_duckdb_cannot_use_is_refused_by_name(tmp_path):
    with pytest.raises(InvalidSettingError, match=r"LENDING_DUCKDB_MEMORY_LIMIT='lots'.*6GB"):
        Settings.from_env({"LENDING_DATA_DIR": str(tmp_path), "LENDING_DUCKDB_MEMORY_LIMIT": "lots"})


def test_the_warehouse_resource_applies_the_limit(tmp_path):
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path),
                                  "LENDING_DUCKDB_MEMORY_LIMIT": "1GB"})
    resource = build_resources(settings, DBT_PROJECT_DIR)["duckdb"]
    with resource.get_connection() as con:
        assert con.execute(SHOW_LIMIT).fetchone()[0] == "953.6 MiB"


def dbt_memory_limit(tmp_path) -> str:
    """The limit a dbt session of the project's profile runs with (``dbt show``)."""
    shown = run_dbt(["show", "--inline", SHOW_LIMIT, "--output", "json", "--log-format", "json"],
                    tmp_path / "wh.duckdb", tmp_path / "target",
                    capture_output=True, text=True, check=True)
    [preview] = [json.loads(e["data"]["preview"]) for e in map(json.loads, shown.stdout.splitlines())
                 if e["info"]["name"] == "ShowNode"]
    return preview[0]["memory_limit"]


def test_the_dbt_profile_applies_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("LENDING_DUCKDB_MEMORY_LIMIT", "1GB")
    assert dbt_memory_limit(tmp_path) == "953.6 MiB"
    # Without the variable (dbt run by hand), the profile falls back to the same default.
    monkeypatch.delenv("LENDING_DUCKDB_MEMORY_LIMIT")
    assert dbt_memory_limit(tmp_path) == limit_of(DEFAULT_DUCKDB_MEMORY_LIMIT)
