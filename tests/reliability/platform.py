"""A throw-away platform for the reliability suites: tiny simulated landing zone, own Dagster home.

Every run is ``python -m orchestration.cli run`` (what ``make run`` executes) in a subprocess
with its own process group, so a test can kill the whole tree (the CLI and dbt) like a power cut.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import sqlalchemy as sa

from lending.serving import (
    MANIFEST_NAME,
    PARQUET_DIR,
    PARQUET_SCHEMAS,
    PARQUET_VERSION_KEY,
    SNAPSHOT_NAME,
    current_version_dir,
)
from lending.settings import REPO_ROOT
from orchestration.resources import WRITER_POOL
from orchestration.runs.recovery import PID_TAG
from tests.fingerprints import table_fingerprints

RUN_TIMEOUT = float(os.environ.get("RELIABILITY_RUN_TIMEOUT", "1200"))  # seconds, generous
SIMULATION = ["--seed", "11", "--start", "2025-01-01", "--months", "2", "--scale", "200"]
MART_SCHEMAS = ("staging", "intermediate", "marts")


@dataclass
class Platform:
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    reference: dict[str, str] = field(default_factory=dict)  # fingerprints of a clean run
    reference_snapshot: set[str] = field(default_factory=set)  # relations of a clean snapshot
    reference_seconds: float = 60.0  # wall time of the clean run

    @classmethod
    def create(cls, root: Path) -> Platform:
        env = {**os.environ, "LENDING_DATA_DIR": str(root), "DAGSTER_HOME": str(root / "dagster_home"),
               "PYTHONUNBUFFERED": "1"}
        for name in ("LENDING_LANDING_DIR", "LENDING_WAREHOUSE_PATH", "LENDING_SERVING_DIR",
                     "LENDING_ENV"):
            env.pop(name, None)
        subprocess.run([sys.executable, "-m", "simulator", "--out", str(root / "landing"),
                        *SIMULATION, "--no-progress"], check=True, env=env, cwd=REPO_ROOT,
                       stdout=subprocess.DEVNULL)
        return cls(root=root, env=env)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "lending.duckdb"

    @property
    def snapshot(self) -> Path:
        return self.root / "serving" / SNAPSHOT_NAME

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def start(self, log_name: str, extra_env: dict[str, str] | None = None,
              args: tuple[str, ...] = ()) -> subprocess.Popen:
        """Start ``orchestration.cli run [args]`` in its own process group; output goes to a log
        file."""
        log = open(self.root / f"{log_name}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run", *args], cwd=REPO_ROOT,
            env={**self.env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self, log_name: str) -> str:
        return (self.root / f"{log_name}.log").read_text()

    def run(self, log_name: str, extra_env: dict[str, str] | None = None,
            args: tuple[str, ...] = ()) -> tuple[int, str]:
        proc = self.start(log_name, extra_env, args)
        try:
            code = proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            code = -1
        return code, self.log(log_name)

    def fingerprints(self) -> dict[str, str]:
        return table_fingerprints(self.warehouse, MART_SCHEMAS)

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.dagster_home))


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the process group (the CLI, its dbt child): a power cut for this run."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_for(predicate, timeout: float, interval: float = 0.2, proc: subprocess.Popen | None = None):
    """Poll ``predicate`` until truthy (returned), the process exits (None) or ``timeout`` (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            return None
        time.sleep(interval)
    return None


def writer_slot_holders(platform: Platform, pid: int | None = None) -> list[str]:
    """Run ids holding a slot of the writer pool (only runs of process ``pid`` if given)."""
    if not (platform.dagster_home / "history").exists():
        return []
    with platform.instance() as instance:
        info = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
        holders = [slot.run_id for slot in info.claimed_slots]
        if pid is not None:
            holders = [r for r in holders
                       if instance.get_run_by_id(r).tags.get(PID_TAG) == str(pid)]
    return holders


def snapshot_problems(path: Path, expected: set[str]) -> list[str]:
    """Why the snapshot at ``path`` is not one complete version (empty list: it is)."""
    with duckdb.connect(str(path), read_only=True) as con:
        (version,) = con.execute("select version_id from main.snapshot_info").fetchone()
        published = dict(con.execute(
            "select relation, row_count from main.snapshot_row_counts").fetchall())
        problems = [f"missing {r}" for r in sorted(expected - set(published))]
        for relation, count in published.items():
            schema, name = relation.split(".")
            (actual,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
            if actual != count:
                problems.append(f"{relation}: {actual} rows, version {version} says {count}")
    return problems


def snapshot_relations(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {f"{s}.{n}" for s, n in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema <> 'main'").fetchall()}


def sqlalchemy_snapshot_problems(path: Path, expected: set[str]) -> tuple[str, list[str]]:
    """``snapshot_problems`` the way a BI tool reads: SQLAlchemy + duckdb-engine, one connection
    (NullPool: a pooled connection would keep the version it first opened). -> (version, problems)
    """
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True},
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as con:
            version = con.execute(sa.text("select version_id from main.snapshot_info")).scalar_one()
            published = dict(con.execute(sa.text(
                "select relation, row_count from main.snapshot_row_counts")).all())
            problems = [f"missing {r}" for r in sorted(expected - set(published))]
            marts = set(sa.inspect(con).get_table_names(schema="marts"))
            if marts != {r.split(".")[1] for r in published if r.startswith("marts.")}:
                problems.append(f"version {version} lists marts {sorted(marts)}")
            for relation, count in published.items():
                schema, name = relation.split(".")
                actual = con.execute(sa.text(f'select count(*) from "{schema}"."{name}"')).scalar()
                if actual != count:
                    problems.append(f"{relation}: {actual} rows, version {version} says {count}")
    finally:
        engine.dispose()
    return version, problems


def parquet_problems(path: Path, expected: set[str]) -> tuple[str, list[str]]:
    """Why the Parquet files beside the snapshot at ``path`` are not one complete version.

    Read as the README tells analysts: resolve ``current`` once and read every file of that
    version (row counts and version stamp against its manifest); and one whole file named by its
    stable ``parquet/`` path, resolved once (``os.path.realpath``: pyarrow opens a file twice,
    footer then data, so an unresolved path can straddle a swap), checked against the manifest
    of the version stamped in it.
    """
    serving = Path(path).parent
    folder = current_version_dir(serving)
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    version, files = manifest["version_id"], manifest["parquet_files"]
    wanted = {r for r in expected if r.split(".")[0] in PARQUET_SCHEMAS}
    problems = [f"no parquet for {r}" for r in sorted(wanted - set(files))]
    for relation, file in files.items():
        problems += _parquet_file_problems(folder / file, manifest, relation)
    relation = random.choice(sorted(files))
    stable = serving / PARQUET_DIR / Path(files[relation]).relative_to(PARQUET_DIR)
    resolved = Path(os.path.realpath(stable))  # versions/<version>/parquet/<schema>/<table>
    own = json.loads((resolved.parents[2] / MANIFEST_NAME).read_text("utf-8"))
    problems += _parquet_file_problems(resolved, own, relation, read_all=True)
    return version, problems


def _parquet_file_problems(path: Path, manifest: dict, relation: str,
                           read_all: bool = False) -> list[str]:
    """A Parquet file against the manifest of the version folder it was read from: its rows and
    the stamp of the version that wrote it (an unchanged table's file is linked from before)."""
    if read_all:
        table = pq.read_table(path)
        rows, metadata = table.num_rows, table.schema.metadata
    else:
        meta = pq.read_metadata(path)
        rows, metadata = meta.num_rows, meta.metadata
    stamped = metadata[PARQUET_VERSION_KEY.encode()].decode()
    written_in = manifest["parquet_written_in"][relation]
    if stamped != written_in or rows != manifest["row_counts"][relation]:
        return [f"{path}: {rows} rows written by {stamped}, version {manifest['version_id']} says "
                f"{manifest['row_counts'][relation]} rows written by {written_in}"]
    return []
