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

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from lending.settings import DBT_PROJECT_DIR, Settings

# dbt is installed beside this interpreter (the project's venv), which may not be on PATH when
# Python is called by its full path (IDEs, `.venv/bin/python -m pytest`).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
# dbt's own target/ (standalone dbt, `make docs`); the parses Dagster loads live in folders below.
MANIFEST_TARGET = DBT_PROJECT_DIR / "target"
PARSED_DIR = MANIFEST_TARGET / "parsed"
MANIFEST_NAME = "manifest.json"
STAMP_NAME = "manifest.stamp"
# The level of dbt's file log (dbt.log) in every invocation the platform makes. dbt's default,
# debug, adds lines for every query and connection event: ~16 MB an invocation and ~13% of a
# build step's time spent in dbt's logging (py-spy; the first build step of a tiny rerun took
# 26.3 s with it, 23.4 s with info). info keeps what the console shows (each node's start, result
# and error); run_results.json and the compiled SQL beside it hold the rest. A standalone `dbt`
# call keeps dbt's default.
DBT_LOG_ENV = {"DBT_LOG_LEVEL_FILE": "info"}
# What a parse leaves that a later dbt invocation or Dagster reads.
_PARSE_ARTIFACTS = ("partial_parse.msgpack", "semantic_manifest.json", MANIFEST_NAME)
# Folders of the dbt project whose files never change what `dbt parse` produces.
_NOT_PARSED = {"target", "logs", "dbt_packages", "__pycache__"}


def dbt_variables(settings: Settings | Mapping[str, str]) -> dict[str, str]:
    """The dbt variables of ``settings`` (``Settings.dbt_env``), or the variables themselves."""
    return settings.dbt_env() if isinstance(settings, Settings) else dict(settings)


def dbt_subprocess_env(settings: Settings | Mapping[str, str]) -> dict[str, str]:
    """This process's environment (PATH, HOME, ...) with the settings' dbt variables over it."""
    return {**os.environ, **dbt_variables(settings), **DBT_LOG_ENV,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


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


def run_dbt(args: list[str], settings: Settings | Mapping[str, str],
            target_path: Path | None = None, **run_kwargs) -> subprocess.CompletedProcess:
    """``dbt <args>`` with ``settings`` (or their dbt variables), artifacts in ``target_path``
    (default: the project's target/); subprocess.run kwargs pass through."""
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


def manifest_dir(dbt_env: Mapping[str, str]) -> Path:
    """Where the parse for these dbt variables lives: ``target/parsed/<digest>``.

    One folder per set of variables, because dbt's partial parsing is only valid for the
    variables it parsed with (the profile's warehouse path among them): processes with other
    settings (test sessions side by side, `make ui` beside a test run) each keep their own parse
    instead of re-parsing and overwriting one shared manifest under each other's feet.
    """
    digest = hashlib.sha256(repr(sorted(dbt_env.items())).encode()).hexdigest()[:16]
    return PARSED_DIR / digest


def ensure_manifest(settings: Settings | Mapping[str, str], force: bool = False) -> Path:
    """Parse the dbt project when the manifest of these settings (or dbt variables) is missing
    (a clean clone), out of date or asked; returns the manifest's path (what Dagster loads).

    A parse costs a dbt start-up (10-40 s here) and every `make run` and test session used to pay
    it; the stamp beside the manifest says whether anything dbt reads changed since the last one.
    One process parses at a time (a lock per folder), into a fresh folder whose files then
    replace the old ones one by one (``os.replace``): a reader never sees half a manifest.
    """
    dbt_env = dbt_variables(settings)
    target = manifest_dir(dbt_env)
    target.mkdir(parents=True, exist_ok=True)
    stamp = project_stamp(env=dbt_env)
    with open(target.with_name(target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp_path = target / STAMP_NAME
        current = ((target / MANIFEST_NAME).exists() and stamp_path.exists()
                   and stamp_path.read_text() == stamp)
        if force or not current:
            _parse_into(target, dbt_env)
            stamp_path.write_text(stamp)
    return target / MANIFEST_NAME


def _parse_into(target: Path, dbt_env: Mapping[str, str]) -> None:
    fresh = target.with_name(f"{target.name}.parsing-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    try:
        if (target / "partial_parse.msgpack").exists():  # dbt re-parses only what changed
            shutil.copy2(target / "partial_parse.msgpack", fresh / "partial_parse.msgpack")
        run_dbt(["parse", "--quiet"], dbt_env, fresh, check=True)
        for name in _PARSE_ARTIFACTS:
            os.replace(fresh / name, target / name)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m lending.dbt <dbt arguments>`: dbt with the pipeline's settings."""
    args = sys.argv[1:] if argv is None else argv
    return run_dbt(args, Settings.from_env()).returncode


if __name__ == "__main__":
    raise SystemExit(main())
