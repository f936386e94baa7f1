"""Shared fixtures (writers for hand-built landing files), and how tests share the two workers."""

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from lending.settings import Settings

# Session fixtures that build a whole warehouse: every test that takes one runs on the same worker.
SHARED_WAREHOUSES = ("pipeline",)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the markers
def pytest_collection_modifyitems(config, items):
    """Groups for pytest-xdist's ``--dist loadgroup`` (the Makefile runs two workers, one per
    core): a module's tests stay together, so its module fixture (a warehouse built for that
    module) is built once, on one worker; and every test of the integration session's shared
    ``pipeline`` (tests/integration/conftest.py) joins one group, so it is built once in all.
    Without xdist the markers change nothing."""
    for item in items:
        shared = [name for name in SHARED_WAREHOUSES if name in item.fixturenames]
        group = shared[0] if shared else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def write_day(landing: Path, source: str, day: str, text: str, ext: str) -> Path:
    folder = landing / source / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}.{ext}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def con(tmp_path):
    """A warehouse connection as the pipeline makes them (memory limit, local time zone)."""
    warehouse = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}).warehouse()
    with dataclasses.replace(warehouse, path=tmp_path / "wh.duckdb").connect() as connection:
        yield connection


@pytest.fixture
def day():
    return dt.date(2025, 3, 1)
