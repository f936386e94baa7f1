"""dbt invocations of the incremental sequences, and what they compare.

``Runs`` drives one warehouse (raw tables in DuckDB, built on duckdb or spark) through
tests/incremental/sequences.py and keeps what each build did: node statuses, and the window each
incremental model used (read from the compiled SQL: the start date of its window, ``full`` for a
full build, ``nothing`` for an empty window).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lending.lake import export_inputs_to_parquet
from tools.harness.build import AFTER_PYTHON_STEP, SIMULATOR_ARGS, Dataset, dbt_build

# The nodes a dbt invocation here builds: seeds and every model except those reading the tables the Python
# steps write (attribution_py, ml), which are full-rebuild tables outside this mechanism.
MODELS_ONLY = ("--resource-type", "model", "seed", "--exclude", *AFTER_PYTHON_STEP)
# Between checkpoints a build selects only the incremental models and what they read (the tables
# downstream of them are full rebuilds, and cost most of the time of a small build).
INCREMENTAL_AND_INPUTS = ("--select", "+config.materialized:incremental")
PARTIAL_PARSE = "partial_parse.msgpack"  # dbt's parse state, in the target folder
WINDOW = re.compile(r">= cast\('(\d{4}-\d{2}-\d{2})' as date\)")


@dataclass
class Runs:
    data: Dataset
    target: str  # duckdb | spark
    select: tuple[str, ...] = INCREMENTAL_AND_INPUTS
    builds: list[dict[str, str]] = field(default_factory=list)
    windows: list[dict[str, str]] = field(default_factory=list)
    invocations: list[str] = field(default_factory=list)  # dbt's invocation_id of each build

    def build(self, expect_failure: bool = False, everything: bool = False) -> dict[str, str]:
        if self.target == "spark":
            with duckdb.connect(str(self.data.warehouse)) as con:
                export_inputs_to_parquet(con, self.data.lake)
        try:
            statuses = dbt_build(self.data, self.target,
                                 (*MODELS_ONLY, *(() if everything else self.select)))
        except AssertionError:
            if not expect_failure:
                raise
            statuses = self._statuses()
        self.builds.append(statuses)
        self.windows.append(self._windows())
        self.invocations.append(self._run_results()["metadata"]["invocation_id"])
        return statuses

    def _run_results(self) -> dict:
        path = self.data.root / f"dbt_target_{self.target}" / "run_results.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def _statuses(self) -> dict[str, str]:
        return {r["unique_id"]: r["status"] for r in self._run_results()["results"]}

    def _windows(self) -> dict[str, str]:
        """{model name: window start | 'full' | 'nothing'} per compiled model (a model that did not
        build this time keeps its last compiled SQL)."""
        compiled = self.data.root / f"dbt_target_{self.target}" / "compiled" / "lending" / "models"
        windows = {}
        for path in compiled.rglob("*.sql"):
            text = path.read_text(encoding="utf-8")
            starts = WINDOW.findall(text)
            windows[path.stem] = (("nothing" if starts[-1] == "9999-12-31" else min(starts))
                                  if starts else "full")
        return windows


def full_rebuild(data: Dataset, root: Path, everything: bool = True) -> Dataset:
    """A copy of ``data``'s DuckDB warehouse (same raw tables) with every model (or only
    INCREMENTAL_AND_INPUTS) rebuilt from scratch, in ``root``.

    Rebuilt at ``data``'s own warehouse path, from a copy of its parse, while the incremental
    warehouse waits beside; then the rebuilt file moves to ``root`` and the incremental one
    comes back. Why: dbt's partial parse holds only for the profile it was made with, the
    warehouse path included, so a build at another path parses the whole project again (~14 s,
    at each of the sequence's checkpoints). The result is the same: the same raw tables, the
    same SQL, ``--full-refresh``."""
    root.mkdir(parents=True, exist_ok=True)
    copy = Dataset(root, data.landing, root / "full.duckdb", data.lake, root / "spark")
    incremental = root / "incremental.duckdb"
    shutil.copyfile(data.warehouse, incremental)
    parse = root / "dbt_target_duckdb"
    parse.mkdir(exist_ok=True)
    if (data.root / "dbt_target_duckdb" / PARTIAL_PARSE).exists():  # none when built on Spark
        shutil.copy2(data.root / "dbt_target_duckdb" / PARTIAL_PARSE, parse / PARTIAL_PARSE)
    try:
        dbt_build(Dataset(root, data.landing, data.warehouse, data.lake, data.spark_dir), "duckdb",
                  (*MODELS_ONLY, "--full-refresh", *(() if everything else INCREMENTAL_AND_INPUTS)))
        shutil.copyfile(data.warehouse, copy.warehouse)
    finally:
        os.replace(incremental, data.warehouse)
    return copy


def simulated(root: Path) -> Dataset:
    """A new dataset under ``root``: the simulated landing of tests/integration, no warehouse yet
    (the sequences load it day by day)."""
    data = Dataset(root, root / "landing", root / "warehouse.duckdb", root / "lake", root / "spark")
    subprocess.run([sys.executable, "-m", "simulator", "--out", str(data.landing), *SIMULATOR_ARGS,
                    "--no-progress"], check=True, stdout=subprocess.DEVNULL)
    return data
