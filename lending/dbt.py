"""The project's dbt command line, outside Dagster, always with the pipeline's settings.

dbt reads the warehouse path, memory limit, time zone and PII key from environment variables
(``dbt_project/profiles.yml``, ``dbt_project.yml``: dbt's interface, with no defaults of its own).
``Settings.dbt_env`` builds them once; ``run_dbt`` hands them to the dbt subprocess, never to this
process's environment. For the callers that need dbt's own artifacts rather than Dagster assets
(the manifest Dagster loads, docs, the unit-test run in CI, the benchmark's compile), with
artifacts in a folder of the caller's choosing.

Standalone: ``python -m lending.dbt build`` (any dbt arguments) runs dbt on the warehouse of the
current settings (``make run``'s by default).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lending.settings import DBT_PROJECT_DIR, Settings

# dbt is installed beside this interpreter (the project's venv), which may not be on PATH when
# Python is called by its full path (IDEs, `.venv/bin/python -m pytest`).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
MANIFEST_TARGET = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = MANIFEST_TARGET / "manifest.json"
STAMP_NAME = "manifest.stamp"
# Folders of the dbt project whose files never change what `dbt parse` produces.
_NOT_PARSED = {"target", "logs", "dbt_packages", "__pycache__"}


def dbt_subprocess_env(settings: Settings) -> dict[str, str]:
    """This process's environment (PATH, HOME, ...) with the settings' dbt variables over it."""
    return {**os.environ, **settings.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


@contextmanager
def in_environ(values: dict[str, str]) -> Iterator[None]:
    """``values`` in this process's environment only while inside, for dbt run by a library that
    copies ``os.environ`` when it starts dbt (dbtRunner in-process, dagster-dbt's resource); the
    previous values come back afterwards, so nothing leaks to other dbt calls."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(args: list[str], settings: Settings, target_path: Path | None = None,
            **run_kwargs) -> subprocess.CompletedProcess:
    """``dbt <args>`` with ``settings``, artifacts in ``target_path`` (default: the project's
    target/); subprocess.run kwargs pass through."""
    target = ["--target-path", str(target_path)] if target_path is not None else []
    return subprocess.run(
        [DBT_EXECUTABLE, *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir",
         str(DBT_PROJECT_DIR), *target],
        cwd=DBT_PROJECT_DIR, env=dbt_subprocess_env(settings), **run_kwargs)


def project_stamp(root: Path = DBT_PROJECT_DIR, env: dict[str, str] | None = None) -> str:
    """Fingerprint of everything `dbt parse` reads: the project's files and the env it renders.

    Paths, sizes and modification times of the project files (not their bytes: cheap enough to
    check on every import) plus ``env``, the dbt variables of the settings (``Settings.dbt_env``).
    """
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_PARSED and not d.startswith("."))
        for name in sorted(files):
            stat = (Path(folder) / name).stat()
            rel = os.path.relpath(os.path.join(folder, name), root)
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for key, value in sorted((env or {}).items()):
        digest.update(f"{key}={value}\n".encode())
    return digest.hexdigest()


def ensure_manifest(settings: Settings, force: bool = False) -> Path:
    """Parse the dbt project when the manifest is missing (a clean clone), out of date or asked;
    returns the manifest's path (the one Dagster's dbt assets load).

    A parse costs a dbt start-up (10-40 s here) and every `make run` and test session used to pay
    it; the stamp beside the manifest says whether anything dbt reads changed since the last one.
    The parse uses the settings the build will use, so dbt's partial parsing stays valid.
    """
    manifest = MANIFEST_PATH
    stamp_path = MANIFEST_TARGET / STAMP_NAME
    stamp = project_stamp(env=settings.dbt_env())
    current = manifest.exists() and stamp_path.exists() and stamp_path.read_text() == stamp
    if force or not current:
        run_dbt(["parse", "--quiet"], settings, MANIFEST_TARGET, check=True)
        stamp_path.write_text(stamp)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """`python -m lending.dbt <dbt arguments>`: dbt with the pipeline's settings."""
    args = sys.argv[1:] if argv is None else argv
    return run_dbt(args, Settings.from_env()).returncode


if __name__ == "__main__":
    raise SystemExit(main())
