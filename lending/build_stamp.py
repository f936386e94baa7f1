"""The build stamp: what the last clean warehouse build read, so that `make run` can skip a build
that would only rebuild the same tables from the same inputs.

Why: `make run` loads the new and changed export days, then builds the warehouse. With nothing
new (an operator runs it again, a rerun after a crash in the publish step), the build rebuilt every
table from the same inputs to the same content: ~80 s of a ~105 s `make run` of the demo, and of
most reruns in the reliability suite. A build's result is a function of its inputs, and the stamp
covers all of them (``current_inputs``):

- ``data``: ``raw.load_log`` (one row per source and export day, replaced by every load, failure
  and removal; a load's time is part of it, as the incremental models read it) and the reference
  tables the codes are checked against;
- ``code``: every Python, SQL, YAML and CSV file of the dbt project and of the packages the build
  runs (``lending``, ``ml``, ``orchestration``), and the name and version of every installed
  distribution;
- ``settings``: what the build reads from the settings (dbt's environment with its variables,
  the PII key, time zone, first export day, ML threads);
- ``registry``: the ML registry's database file (the champions that score, the versions a
  training compares with), read after the build, since the build's own training may register
  and promote a version, and the scores it wrote are the new champion's.

The stamp is removed before a build starts and written after one that succeeded with no failed
model or test, and only when ``data``, ``code`` and ``settings`` did not change while it ran (a
load launched from the UI in between); nothing is skipped while a node's last build failed. So
a killed or failed build, a new or re-delivered export day, an edited model, seed or reference
file, another setting, a promoted or rolled-back champion, an upgraded package each lead to a
build. ``make run REBUILD=1`` and ``make reprocess`` build
whatever the stamp says. It holds digests only (no data, no key) and lives beside the warehouse
file, so a warehouse deleted or replaced with its stamp left behind has another load log, and
builds.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import distributions
from pathlib import Path

import duckdb

from lending.build_failures import current_failures
from lending.ingestion.digest import reference_table_digest
from lending.reference import SCHEMA as REFERENCE_SCHEMA
from lending.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings
from lending.warehouse import relation_exists

STAMP_SUFFIX = ".build_stamp.json"
# Folders of the code digest; dbt's own output and caches are not code, nor are hidden files (dbt
# writes its anonymous user id to dbt_project/.user.yml on its first run: a build that ran dbt for
# the first time saw its code change under it and was never stamped).
CODE_ROOTS = (DBT_PROJECT_DIR, REPO_ROOT / "lending", REPO_ROOT / "ml", REPO_ROOT / "orchestration")
CODE_SUFFIXES = frozenset({".py", ".sql", ".yml", ".yaml", ".csv"})
NOT_CODE = frozenset({"target", "logs", "dbt_packages", "__pycache__"})
# What a build compares before it starts and after it ends (the registry: after, see above).
COMPARED_BEFORE_AND_AFTER = ("data", "code", "settings")


def stamp_path(settings: Settings) -> Path:
    """``<warehouse>.build_stamp.json`` beside the warehouse file."""
    return settings.warehouse_path.with_name(settings.warehouse_path.stem + STAMP_SUFFIX)


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def data_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """Digest of the load log and the reference tables; None before the first load."""
    if not relation_exists(con, "raw", "load_log"):
        return None
    # A failed or missing day wrote nothing to raw (its time only says when it was last tried);
    # a loaded day's time is data: the incremental models' windows read it.
    (load_log,) = con.execute(
        """select md5(coalesce(string_agg(concat_ws('|', source, _partition_date, status,
                                                     input_digest, files, rows_loaded,
                                                     rows_quarantined, error,
                                                     case when status = 'loaded'
                                                          then _ingested_at end),
                                           chr(10) order by source, _partition_date), ''))
           from raw.load_log""").fetchone()
    parts = [f"load_log:{load_log}"]
    for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1",
            [REFERENCE_SCHEMA]).fetchall():
        parts.append(f"{table}:{reference_table_digest(con, table)}")
    return _sha256(*parts)


def code_digest(roots: tuple[Path, ...] = CODE_ROOTS) -> str:
    """Digest of every code file's path and bytes under ``roots``, and of the installed
    distributions (name and version)."""
    digest = hashlib.sha256()
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d not in NOT_CODE)
            for name in sorted(files):
                path = Path(folder, name)
                if path.suffix in CODE_SUFFIXES and not name.startswith("."):
                    digest.update(f"{path.relative_to(root.parent).as_posix()}\0".encode())
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    digest.update("\n".join(installed).encode())
    return digest.hexdigest()


def settings_digest(settings: Settings) -> str:
    return _sha256(json.dumps(
        {"dbt_env": settings.dbt_env(), "pii_key": settings.pii_key, "timezone": settings.timezone,
         "start_date": settings.start_date.isoformat(), "ml_threads": settings.ml_threads},
        sort_keys=True))


def registry_digest(registry_dir: Path) -> str:
    """Digest of the ML registry's database files in ``registry_dir`` (``ml.registry.mlflow_dir``;
    none before the first training)."""
    digest = hashlib.sha256()
    for path in sorted(Path(registry_dir).glob("mlflow.db*")):
        digest.update(f"{path.name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def current_inputs(settings: Settings) -> dict | None:
    """``data``, ``code`` and ``settings`` digests now, and ``failed_nodes``: how many nodes'
    last build failed (a build launched from the UI may have failed since the stamp: then nothing
    is skipped). None, so that nothing is skipped, when the warehouse cannot be read (another
    process writes it) or holds no load yet."""
    try:
        with settings.warehouse().connect(read_only=True) as con:
            data = data_digest(con)
            failed = len(current_failures(con))
    except (duckdb.Error, RuntimeError):
        return None
    if data is None:
        return None
    return {"data": data, "code": code_digest(), "settings": settings_digest(settings),
            "failed_nodes": failed}


def _same(stamp: dict, inputs: dict) -> bool:
    return all(stamp.get(k) == inputs[k] for k in COMPARED_BEFORE_AND_AFTER)


def read(settings: Settings) -> dict | None:
    path = stamp_path(settings)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def clear(settings: Settings) -> None:
    """Before a build: a build that does not end cleanly leaves no stamp."""
    stamp_path(settings).unlink(missing_ok=True)


def stamp_if_clean(settings: Settings, before: dict, registry_dir: Path, run_id: str) -> bool:
    """After a build that succeeded (the caller checks the run): stamp it when no node's last
    build failed and ``data``, ``code`` and ``settings`` are still ``before``, read before it."""
    after = current_inputs(settings)
    if after is None or after["failed_nodes"] or not _same(before, after):
        return False
    path = stamp_path(settings)
    stamp = {**{k: before[k] for k in COMPARED_BEFORE_AND_AFTER},
             "registry": registry_digest(registry_dir), "run_id": run_id}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return True


def unchanged(settings: Settings, inputs: dict | None, registry_dir: Path) -> dict | None:
    """The stamp, when ``inputs`` and the registry are what the last clean build read and no
    node's last build failed."""
    stamp = read(settings)
    if stamp is None or inputs is None or inputs["failed_nodes"] or not _same(stamp, inputs):
        return None
    return stamp if stamp.get("registry") == registry_digest(registry_dir) else None
