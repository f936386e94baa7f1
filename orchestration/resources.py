"""Resources: the landing zone, the warehouse, the dbt CLI and the ML registry, all built from one
``Settings`` (``build_resources``), and the pool every warehouse writer runs in."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import dagster_dbt.asset_utils as dbt_asset_utils
from dagster_dbt import DbtCliInvocation, DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging import version
from pydantic import Field

from lending.dbt import DBT_EXECUTABLE, DBT_LOG_ENV, ensure_manifest, in_environ
from lending.dbt_selection import selection_args
from lending.settings import DBT_PROJECT_DIR, DEFAULT_ML_THREADS, Settings
from lending.warehouse import Warehouse
from ml.registry import Registry

# dbt invocations whose artifacts (logs, compiled SQL, run results) stay on disk for inspection.
DBT_RUNS_KEPT = 20
# DuckDB allows one writer per file: every asset and op that opens the warehouse runs in this pool,
# limited to 1 by the instance config (orchestration/dagster.yaml), so runs queue instead of
# failing on the lock; orchestration/runs/ watches it.
WRITER_POOL = "duckdb_writer"
# dagster-dbt's metadata key of a check spec: the dbt test's unique_id.
DBT_UNIQUE_ID = "dagster_dbt/unique_id"


class LandingZone(dg.ConfigurableResource):
    """Root folder of the source exports (see docs/landing_contract.md)."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse: connections from the one factory (lending/warehouse.py), so assets,
    dbt and ML run with the same memory limit and time zone."""

    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        warehouse = settings.warehouse()
        return cls(database=str(warehouse.path), connection_config=warehouse.config,
                   timezone=warehouse.timezone)

    def warehouse(self) -> Warehouse:
        return Warehouse(Path(self.database), self.connection_config["memory_limit"], self.timezone)

    @contextmanager
    def get_connection(self) -> Iterator:
        with self.warehouse().connect() as con:
            yield con


class LendingDbtCliResource(DbtCliResource):
    """dbt with the settings' variables (``Settings.dbt_env``: warehouse, memory limit, time zone,
    PII key) in its subprocess environment, and each invocation's artifacts outside the project.

    dagster-dbt builds the subprocess environment from ``os.environ`` inside ``cli()`` and takes
    no environment argument (dagster_dbt/core/resource.py), so ``env`` is laid over it only while
    ``cli()`` starts dbt, and the process environment is restored before it returns: nothing
    leaks to other dbt calls or to the rest of the run.

    Artifacts (compiled SQL, run_results.json, dbt.log at ``DBT_LOG_ENV``'s level) go to a folder of
    their own under ``runs_dir``, of which the newest ``keep_runs`` are kept. dagster-dbt's
    default puts them in the project's target/, which then grew with every build; and when a
    run selects a subset of more than 200 nodes, dagster-dbt runs dbt in a temporary copy of the
    whole project folder (with that target/) and never removes it: measured, 30 copies of
    200-500 MB each in the test suite's temporary folder, which lives in RAM. ``invoke`` removes
    that copy when the invocation ends.
    """

    env: dict[str, str] = Field(default_factory=dict)
    runs_dir: str
    keep_runs: int = DBT_RUNS_KEPT

    def cli(self, args, *, target_path: Path | None = None, context=None, **kwargs):
        # dagster-dbt seeds each invocation with the partial parse found at DBT_TARGET_PATH: the
        # parse of these very variables, so dbt re-parses nothing (lending.dbt.manifest_dir).
        parsed = {"DBT_TARGET_PATH": str(ensure_manifest(self.env).parent)} if self.env else {}
        with (in_environ({**self.env, **parsed, **DBT_LOG_ENV}),
              compact_subset_selection(_indirect_selection_flag(args))):
            return super().cli(args, target_path=target_path or self._new_run_dir(context),
                               context=context, **kwargs)

    @cached_property
    def _cli_version(self) -> version.Version:
        """The installed dbt-core's version, read from its package metadata. dagster-dbt asks the
        executable (``dbt --version``: a second Python process importing dbt, ~2.5 s of CPU every
        run) because the executable could be dbt Fusion; ours is dbt-core beside this interpreter
        (``DBT_EXECUTABLE``), pinned in requirements.lock."""
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """No in-process dbt adapter: dagster-dbt builds one (loading every macro and the partial
        parse file, ~0.7 s an invocation, measured with py-spy) only for ``fetch_row_counts`` and
        ``fetch_column_metadata``, which the asset does not use: it reads row counts and columns
        itself after dbt exits (orchestration/assets/dbt.py), without a second connection to the
        file dbt is writing."""
        return None

    @contextmanager
    def invoke(self, args: Sequence[str], context: dg.AssetExecutionContext,
               **cli_kwargs) -> Iterator[DbtCliInvocation]:
        """``dbt <args>`` for ``context``'s selection, as a running invocation; the temporary
        project copy dagster-dbt may have made for it is removed on leaving (also on failure)."""
        invocation = self.cli(list(args), context=context, **cli_kwargs)
        try:
            yield invocation
        finally:
            remove_temporary_project_copy(Path(invocation.project_dir), Path(self.project_dir))

    def _new_run_dir(self, context) -> Path:
        """``<runs_dir>/<step>-<run id>-<random>``, after dropping all but the newest runs."""
        runs = Path(self.runs_dir)
        runs.mkdir(parents=True, exist_ok=True)
        previous = sorted(runs.iterdir(), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in previous[max(self.keep_runs - 1, 0):]:
            shutil.rmtree(old, ignore_errors=True)
        name = uuid.uuid4().hex[:7]
        if context is not None:
            name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{name}"
        return runs / name


def _indirect_selection_flag(args: Sequence[str]) -> str | None:
    """The value of ``--indirect-selection`` in dbt arguments (it overrides the environment)."""
    args = list(args)
    for i, arg in enumerate(args):
        if arg == "--indirect-selection" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--indirect-selection="):
            return arg.split("=", 1)[1]
    return None


@contextmanager
def compact_subset_selection(indirect_flag: str | None = None) -> Iterator[None]:
    """While inside, dagster-dbt selects a step's subset of dbt nodes with a few criteria instead
    of one name per node (lending/dbt_selection.py: 12 s of dbt's selection time per build step,
    and no temporary project copy): the first step of a run as everything but the descendants of
    the Python steps' sources, the second as those descendants, other subsets by ``path:``
    criteria. Its own selection logic decides *what* runs (``get_subset_selection_for_context``),
    plus the tests of the selected checks that indirect selection would leave out
    (``selected_check_tests``); only how those nodes are spelled changes, and only when the
    spelling is checked to select exactly them under the indirect selection in effect:
    ``indirect_flag`` (the invocation's ``--indirect-selection``, which wins), else dagster-dbt's
    override or the environment's (the graph forms are not used with ``empty``)."""
    original = dbt_asset_utils.get_subset_selection_for_context

    def compact(*args, **kwargs):
        selection, indirect = original(*args, **kwargs)
        manifest = kwargs.get("manifest")
        if manifest and selection[:1] == ["--select"] and len(selection) == 2:
            mode = indirect_flag or indirect or os.environ.get("DBT_INDIRECT_SELECTION")
            names = selection[1].split()
            if mode != "empty" and kwargs.get("context") is not None:
                names += sorted(set(selected_check_tests(kwargs["context"], manifest)) - set(names))
                selection = ["--select", " ".join(names)]
            shorter = selection_args(manifest, names, mode == "empty")
            if shorter is not None:
                selection = shorter
        return selection, indirect

    dbt_asset_utils.get_subset_selection_for_context = compact
    try:
        yield
    finally:
        dbt_asset_utils.get_subset_selection_for_context = original


def selected_check_tests(context, manifest: Mapping[str, Any]) -> list[str]:
    """The dbt tests (dotted fqn, as dagster-dbt names nodes) of the step's selected checks.

    dagster-dbt leaves the tests of a selected asset's checks to dbt's indirect selection, and
    ``buildable`` (the build's) leaves out a test with a parent that is neither selected nor
    upstream of the selection: e.g. risk_principal_reconciliation, a check of
    mart_portfolio_monthly that also reads fct_loan_month_end, which no selected model reads. Such
    a check never ran. Named, every selected check's test runs; Dagster schedules a check's step
    after every model its test reads (the check's dependencies), so the test's parents are built.
    """
    selected = set(context.selected_asset_check_keys)
    uids = {spec.metadata.get(DBT_UNIQUE_ID)
            for spec in context.assets_def.node_check_specs_by_output_name.values()
            if spec.key in selected}
    nodes = manifest["nodes"]
    return [".".join(nodes[uid]["fqn"]) for uid in sorted(uid for uid in uids if uid in nodes)]


def remove_temporary_project_copy(used: Path, project: Path) -> bool:
    """Delete ``used`` when it is a copy of ``project`` that dagster-dbt made in the temporary
    folder (never the project itself, never anything outside the temporary folder)."""
    used, project = used.resolve(), project.resolve()
    if used == project or used.parent != Path(tempfile.gettempdir()).resolve():
        return False
    if not (used / "dbt_project.yml").is_file():
        return False
    shutil.rmtree(used, ignore_errors=True)
    return True


class MlRegistry(dg.ConfigurableResource):
    """Where MLflow keeps its SQLite registry and artifacts (<data_dir>/mlflow), and the OpenMP
    threads the models fit and score with."""

    data_dir: str
    threads: int = DEFAULT_ML_THREADS

    def open(self) -> Registry:
        return Registry(self.data_dir)


def build_resources(settings: Settings, dbt_project_dir: Path = DBT_PROJECT_DIR) -> dict:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "landing": LandingZone(path=str(settings.landing_dir)),
        "duckdb": WarehouseResource.from_settings(settings),
        "dbt": LendingDbtCliResource(project_dir=str(dbt_project_dir),
                                     profiles_dir=str(dbt_project_dir),
                                     dbt_executable=DBT_EXECUTABLE, env=settings.dbt_env(),
                                     runs_dir=str(settings.dbt_runs_dir)),
        "ml_registry": MlRegistry(data_dir=str(settings.data_dir), threads=settings.ml_threads),
    }
