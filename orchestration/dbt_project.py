"""The dbt project as Dagster sees it; the manifest is parsed on first use if missing."""

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# dbt is installed beside this interpreter (the project's venv), which may not be on PATH when
# Python is called by its full path (IDEs, `.venv/bin/python -m pytest`).
if shutil.which("dbt") is None:
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

lending_dbt = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest(force: bool = False) -> None:
    """Parse the dbt project when the manifest is missing (a clean clone) or when asked.

    ``prepare_if_dev`` only acts under ``dagster dev``; tests and ``make run`` come here instead.
    """
    if force or not lending_dbt.manifest_path.exists():
        lending_dbt.preparer.prepare(lending_dbt)


lending_dbt.prepare_if_dev()
ensure_manifest()
