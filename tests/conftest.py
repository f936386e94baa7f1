"""Shared fixtures: writers for hand-built landing files."""

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from lending.settings import Settings


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
