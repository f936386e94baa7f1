"""One session-wide platform for every integration module: simulator -> landing -> Dagster -> dbt.

A full Dagster + dbt run costs minutes (about 800 dbt nodes), so the whole integration suite shares
one pair of runs (the second proves reruns change nothing). New integration modules take the
`pipeline` and `con` fixtures; they never build a warehouse of their own.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from lending.contract import load_contract
from lending.dbt import ensure_manifest
from lending.settings import Settings
from orchestration.cli import landing_range, run_pipeline
from orchestration.definitions import build_definitions
from tests.fingerprints import table_fingerprints

CONTRACT = load_contract()
MISSING = ("app_events", "2025-01-20")  # a day deleted from the landing zone on purpose


def landing_row_counts(landing: Path) -> dict[str, int]:
    """Data rows in the landing files, counted independently of the ingestion code."""
    counts = {}
    for name, source in CONTRACT.sources.items():
        total = 0
        for path in (landing / name).glob(f"dt=*/*.{source.extension}"):
            if source.format == "parquet":
                total += pq.read_metadata(path).num_rows
            else:
                lines = [ln for ln in path.read_text(encoding="utf-8").split("\n") if ln != ""]
                total += len(lines) - (1 if source.format == "csv" else 0)
        counts[name] = total
    return counts


def temporary_project_copies() -> set[Path]:
    """dbt projects in the temporary folder (dagster-dbt copies the project there for a run
    that selects many nodes)."""
    return {path.parent for path in Path(tempfile.gettempdir()).glob("*/dbt_project.yml")}


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("platform")
    settings = Settings.from_env({"LENDING_DATA_DIR": str(root)})
    subprocess.run(
        [sys.executable, "-m", "simulator", "--out", str(settings.landing_dir), "--seed", "7",
         "--start", "2025-01-01", "--months", "3", "--scale", "300", "--no-progress"],
        check=True,
    )
    shutil.rmtree(settings.landing_dir / MISSING[0] / f"dt={MISSING[1]}")
    ensure_manifest(settings)
    defs = build_definitions(settings)
    span = landing_range(settings)
    copies_before = temporary_project_copies()
    with dg.instance_for_test() as instance:
        first = run_pipeline(defs, instance, span)
        first_prints = table_fingerprints(settings.warehouse_path)
        second = run_pipeline(defs, instance, span)
    yield {
        "settings": settings,
        "first": first,
        "second": second,
        "first_prints": first_prints,
        "second_prints": table_fingerprints(settings.warehouse_path),
        "landing_counts": landing_row_counts(settings.landing_dir),
        "project_copies_left": temporary_project_copies() - copies_before,
    }


@pytest.fixture
def con(pipeline):
    with pipeline["settings"].warehouse().connect(read_only=True) as connection:
        yield connection
