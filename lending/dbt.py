"""The project's dbt command line against a given warehouse, outside Dagster.

For the few callers that need dbt's own artifacts rather than Dagster assets (docs, the unit-test
run in CI, the benchmark's compile): the same profile, project and environment every time, with
artifacts in a folder of the caller's choosing so the Dagster manifest is never overwritten.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lending.settings import DBT_PROJECT_DIR


def run_dbt(args: list[str], warehouse: Path, target_path: Path,
            **run_kwargs) -> subprocess.CompletedProcess:
    """``dbt <args>`` on ``warehouse``, artifacts in ``target_path`` (subprocess.run kwargs pass)."""
    env = {**os.environ, "LENDING_WAREHOUSE_PATH": str(warehouse),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).parent / "dbt")
    return subprocess.run(
        [dbt, *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target_path)],
        cwd=DBT_PROJECT_DIR, env=env, **run_kwargs)
