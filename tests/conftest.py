"""Shared fixtures: writers for hand-built landing files."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest


def write_day(landing: Path, source: str, day: str, text: str, ext: str) -> Path:
    folder = landing / source / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}.{ext}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "wh.duckdb"))
    # Display in local time; ICU is built in but cannot be set through connect(config=...).
    connection.execute("set TimeZone = 'Asia/Shanghai'")
    yield connection
    connection.close()


@pytest.fixture
def day():
    return dt.date(2025, 3, 1)
