"""The dbt project as Dagster sees it; the manifest is parsed when missing or out of date."""

import hashlib
import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from lending.settings import DBT_PROJECT_DIR

# dbt is installed beside this interpreter (the project's venv), which may not be on PATH when
# Python is called by its full path (IDEs, `.venv/bin/python -m pytest`).
if shutil.which("dbt") is None:
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

lending_dbt = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


# Folders of the dbt project whose files never change what `dbt parse` produces.
_NOT_PARSED = {"target", "logs", "dbt_packages", "__pycache__"}
STAMP_NAME = "manifest.stamp"


def project_stamp(root: Path = Path(DBT_PROJECT_DIR), env: dict | None = None) -> str:
    """Fingerprint of everything `dbt parse` reads: the project's files and the env it renders.

    Paths, sizes and modification times of the project files (not their bytes: cheap enough to
    check on every import) plus the LENDING_* / DBT_* variables that profiles and models read.
    """
    env = os.environ if env is None else env
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_PARSED and not d.startswith("."))
        for name in sorted(files):
            stat = (Path(folder) / name).stat()
            rel = os.path.relpath(os.path.join(folder, name), root)
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for key in sorted(k for k in env if k.startswith(("LENDING_", "DBT_"))):
        digest.update(f"{key}={env[key]}\n".encode())
    return digest.hexdigest()


def ensure_manifest(force: bool = False) -> None:
    """Parse the dbt project when the manifest is missing (a clean clone), out of date or asked.

    A parse costs a dbt start-up (10-40 s here) and every `make run` and test session used to pay
    it; the stamp beside the manifest says whether anything dbt reads changed since the last one.
    ``prepare_if_dev`` only acts under ``dagster dev``; tests and ``make run`` come here instead.
    """
    stamp_path = lending_dbt.manifest_path.parent / STAMP_NAME
    stamp = project_stamp()
    current = (lending_dbt.manifest_path.exists() and stamp_path.exists()
               and stamp_path.read_text() == stamp)
    if force or not current:
        lending_dbt.preparer.prepare(lending_dbt)
        stamp_path.write_text(stamp)


lending_dbt.prepare_if_dev()
ensure_manifest()
