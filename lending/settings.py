"""Configuration: the ONE reader of the environment, with defaults under the repository's data/.

Every other module receives a ``Settings`` (or values taken from it); none reads ``os.environ``
itself (tests/unit/test_layering.py). The variables (README, Configuration, has the full table):
LENDING_DATA_DIR (root, default <repo>/data), LENDING_LANDING_DIR, LENDING_WAREHOUSE_PATH,
LENDING_SERVING_DIR, LENDING_REFERENCE_DIR (business code lists, default <repo>/reference),
LENDING_PII_KEY (the dev default is public: set a secret in production), LENDING_START_DATE (first
daily partition), LENDING_ENV (``production`` refuses the public dev PII key),
LENDING_DUCKDB_MEMORY_LIMIT (DuckDB's memory_limit in every pipeline process), LENDING_AUTOMATION
(``off`` starts the schedule and sensors stopped), LENDING_WRITER_WAIT_TIMEOUT (seconds `make run`
waits for the writer pool), LENDING_ML_THREADS (OpenMP threads of the boosting models),
DAGSTER_HOME (the Dagster instance, default <data>/dagster_home).

dbt reads its part from environment variables in ``dbt_project/profiles.yml`` and
``dbt_project.yml`` (that is dbt's interface): ``dbt_env()`` builds them here, and every dbt
invocation (the Dagster resource, ``lending.dbt.run_dbt``, the harness) passes them to dbt.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lending.warehouse import Warehouse

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEV_PII_KEY = "dev-only-unsafe-pii-key"
# The lender's local time zone: export days, daily partitions, schedules, every *_date of the
# warehouse (dbt var local_timezone) and the session time zone of every DuckDB connection.
TIMEZONE = "Asia/Shanghai"
PRODUCTION = "production"
DEFAULT_START_DATE = "2025-01-01"
# DuckDB caps itself at 80% of RAM by default, per process. A build runs two DuckDB engines (the
# Dagster process: ingestion, ML reads; the dbt subprocess) next to pandas frames of the ML steps,
# so each gets a quarter of RAM and spills the rest of a large join or sort to disk
# (docs/benchmarks.md: at L the process tree peaked at 12.7 GB before this cap).
DEFAULT_DUCKDB_MEMORY_LIMIT = "25%"
DEFAULT_WRITER_WAIT_TIMEOUT = 600.0
# OpenMP threads for boosting. On a CPU shared with other busy processes, OpenMP's spinning
# threads slow a fit down up to 20x (measured: 5k rows, 0.5 s on one thread vs 41-58 s on two
# under load 8); set 2+ on a dedicated machine.
DEFAULT_ML_THREADS = 1
OFF_VALUES = ("off", "false", "0", "no")


class UnsafeConfigurationError(SystemExit):
    """A setting that is fine for a demo but unsafe for the environment declared in LENDING_ENV."""


class InvalidSettingError(SystemExit):
    """An environment variable whose value the pipeline cannot use."""


def check_production_safety(environment: str, pii_key: str) -> None:
    """In production, PII hashes keyed with the public dev key could be reversed by anyone."""
    if environment == PRODUCTION and pii_key.strip() in (DEV_PII_KEY, ""):
        raise UnsafeConfigurationError(
            "LENDING_ENV=production but LENDING_PII_KEY is empty or the public development "
            f"key {DEV_PII_KEY!r}: anyone could reverse the hashed names, phones and ID numbers. "
            "Set LENDING_PII_KEY to a secret (e.g. `openssl rand -hex 32`) and keep it out of "
            "the repository."
        )


def check_memory_limit(value: str) -> str:
    """``value`` if DuckDB accepts it as ``memory_limit``; else an error naming the variable
    (DuckDB's own message would surface later, inside dbt or an asset, without it)."""
    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as exc:
        raise InvalidSettingError(
            f"LENDING_DUCKDB_MEMORY_LIMIT={value!r} is not a DuckDB memory limit ({exc}); use a "
            "size such as 6GB or 512MB, or a share of RAM such as 25%") from None
    return value


def _number(env: dict[str, str], name: str, default: float, kind: type = float) -> float:
    raw = env.get(name, "").strip()
    try:
        return kind(raw) if raw else default
    except ValueError:
        unit = "seconds" if kind is float else "whole number"
        raise InvalidSettingError(f"{name}={raw!r} is not a number ({unit})") from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    serving_dir: Path
    pii_key: str
    start_date: dt.date
    reference_dir: Path = REPO_ROOT / "reference"
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    timezone: str = TIMEZONE
    automation: bool = True
    writer_wait_timeout: float = DEFAULT_WRITER_WAIT_TIMEOUT
    ml_threads: int = DEFAULT_ML_THREADS
    dagster_home: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data = Path(env.get("LENDING_DATA_DIR", REPO_ROOT / "data")).resolve()

        def path(name: str, default: Path) -> Path:
            return Path(env.get(name, default)).resolve()

        environment = env.get("LENDING_ENV", "development").strip().lower()
        pii_key = env.get("LENDING_PII_KEY", DEV_PII_KEY)
        check_production_safety(environment, pii_key)
        return cls(
            data_dir=data,
            landing_dir=path("LENDING_LANDING_DIR", data / "landing"),
            warehouse_path=path("LENDING_WAREHOUSE_PATH", data / "warehouse" / "lending.duckdb"),
            serving_dir=path("LENDING_SERVING_DIR", data / "serving"),
            pii_key=pii_key,
            start_date=dt.date.fromisoformat(env.get("LENDING_START_DATE", DEFAULT_START_DATE)),
            reference_dir=path("LENDING_REFERENCE_DIR", REPO_ROOT / "reference"),
            duckdb_memory_limit=check_memory_limit(
                env.get("LENDING_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)),
            automation=env.get("LENDING_AUTOMATION", "on").strip().lower() not in OFF_VALUES,
            writer_wait_timeout=_number(env, "LENDING_WRITER_WAIT_TIMEOUT",
                                        DEFAULT_WRITER_WAIT_TIMEOUT),
            ml_threads=max(int(_number(env, "LENDING_ML_THREADS", DEFAULT_ML_THREADS, int)), 1),
            dagster_home=path("DAGSTER_HOME", data / "dagster_home"),
        )

    @property
    def dbt_runs_dir(self) -> Path:
        """Where each dbt invocation of the pipeline leaves its logs and artifacts."""
        return self.data_dir / "dbt_runs"

    def warehouse(self) -> Warehouse:
        """The connection factory of the warehouse: the same limits for every connection."""
        return Warehouse(self.warehouse_path, self.duckdb_memory_limit, self.timezone)

    def dbt_env(self) -> dict[str, str]:
        """What the dbt profile and project read from the environment (``dbt_project/profiles.yml``,
        ``dbt_project.yml``): the same warehouse, limits, time zone and PII key as the pipeline."""
        return {"LENDING_WAREHOUSE_PATH": str(self.warehouse_path),
                "LENDING_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
                "LENDING_TIMEZONE": self.timezone,
                "LENDING_PII_KEY": self.pii_key}
