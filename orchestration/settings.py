"""Configuration by environment variables, with defaults under the repository's data/ folder.

LENDING_DATA_DIR (root, default <repo>/data), LENDING_LANDING_DIR, LENDING_WAREHOUSE_PATH,
LENDING_SERVING_DIR, LENDING_MODELS_DIR, LENDING_REFERENCE_DIR (business code lists, default
<repo>/reference), LENDING_PII_KEY (the dev default is public: set a secret
in production), LENDING_START_DATE (first daily partition). The README has the full table.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEV_PII_KEY = "dev-only-unsafe-pii-key"
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    serving_dir: Path
    models_dir: Path
    pii_key: str
    start_date: dt.date
    reference_dir: Path = REPO_ROOT / "reference"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data = Path(env.get("LENDING_DATA_DIR", REPO_ROOT / "data")).resolve()

        def path(name: str, default: Path) -> Path:
            return Path(env.get(name, default)).resolve()

        return cls(
            data_dir=data,
            landing_dir=path("LENDING_LANDING_DIR", data / "landing"),
            warehouse_path=path("LENDING_WAREHOUSE_PATH", data / "warehouse" / "lending.duckdb"),
            serving_dir=path("LENDING_SERVING_DIR", data / "serving"),
            models_dir=path("LENDING_MODELS_DIR", data / "models"),
            pii_key=env.get("LENDING_PII_KEY", DEV_PII_KEY),
            start_date=dt.date.fromisoformat(env.get("LENDING_START_DATE", "2025-01-01")),
            reference_dir=path("LENDING_REFERENCE_DIR", REPO_ROOT / "reference"),
        )
