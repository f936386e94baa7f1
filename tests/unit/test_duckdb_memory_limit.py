"""DuckDB's memory limit and time zone: one setting each, applied by every engine of a build (the
Dagster resource, dbt's profile, the ML reads), all from the one connection factory / dbt env.

DuckDB reports the limit in binary units: 1GB = 10^9 bytes = 953.6 MiB.
"""

import json
import subprocess

import duckdb
import pytest

from lending.dbt import DBT_EXECUTABLE, run_dbt
from lending.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_DUCKDB_MEMORY_LIMIT,
    TIMEZONE,
    InvalidSettingError,
    Settings,
)
from ml.data import read_table
from orchestration.resources import build_resources

SHOW = ("select current_setting('memory_limit') as memory_limit, "
        "current_setting('TimeZone') as time_zone")


def limit_of(setting: str) -> str:
    """What DuckDB itself reports for ``setting`` on a fresh in-memory database."""
    with duckdb.connect(config={"memory_limit": setting}) as con:
        return con.execute("select current_setting('memory_limit')").fetchone()[0]


@pytest.fixture
def settings(tmp_path):
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path),
                                  "LENDING_DUCKDB_MEMORY_LIMIT": "1GB"})
    settings.warehouse_path.parent.mkdir(parents=True)
    return settings


def test_default_is_a_quarter_of_memory_and_the_environment_overrides_it(tmp_path, settings):
    assert Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}).duckdb_memory_limit == "25%"
    assert DEFAULT_DUCKDB_MEMORY_LIMIT == "25%"
    assert settings.dbt_env() == {"LENDING_WAREHOUSE_PATH": str(settings.warehouse_path),
                                  "LENDING_DUCKDB_MEMORY_LIMIT": "1GB",
                                  "LENDING_TIMEZONE": TIMEZONE,
                                  "LENDING_PII_KEY": settings.pii_key}
    assert limit_of("1GB") == "953.6 MiB"


def test_a_value_duckdb_cannot_use_is_refused_by_name(tmp_path):
    with pytest.raises(InvalidSettingError, match=r"LENDING_DUCKDB_MEMORY_LIMIT='lots'.*6GB"):
        Settings.from_env({"LENDING_DATA_DIR": str(tmp_path), "LENDING_DUCKDB_MEMORY_LIMIT": "lots"})


def test_the_warehouse_resource_and_the_ml_reads_apply_the_limit_and_time_zone(settings):
    resource = build_resources(settings)["duckdb"]
    with resource.get_connection() as con:
        assert con.execute(SHOW).fetchone() == ("953.6 MiB", TIMEZONE)
        con.execute(f"create schema marts; create table marts.shown as {SHOW}")
    # ML reads open the warehouse through the same factory, read-only
    assert read_table(settings.warehouse(), "shown").iloc[0].tolist() == ["953.6 MiB", TIMEZONE]


def dbt_shown(settings: Settings, tmp_path) -> tuple[str, str]:
    """The limit and time zone a dbt session of the project's profile runs with (``dbt show``)."""
    shown = run_dbt(["show", "--inline", SHOW, "--output", "json", "--log-format", "json"],
                    settings, tmp_path / "target", capture_output=True, text=True, check=True)
    [preview] = [json.loads(e["data"]["preview"]) for e in map(json.loads, shown.stdout.splitlines())
                 if e["info"]["name"] == "ShowNode"]
    return preview[0]["memory_limit"], preview[0]["time_zone"]


def test_the_dbt_profile_applies_the_settings_and_has_no_defaults_of_its_own(settings, tmp_path):
    assert dbt_shown(settings, tmp_path) == ("953.6 MiB", TIMEZONE)
    # dbt without the settings' variables refuses, naming what it misses: the profile keeps no
    # second copy of the defaults (`python -m lending.dbt <args>` is dbt by hand)
    bare = subprocess.run([DBT_EXECUTABLE, "parse", "--profiles-dir", str(DBT_PROJECT_DIR),
                           "--project-dir", str(DBT_PROJECT_DIR), "--target-path",
                           str(tmp_path / "bare")], env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                          cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False)
    assert bare.returncode != 0
    assert "Env var required but not provided: 'LENDING_" in bare.stdout + bare.stderr
