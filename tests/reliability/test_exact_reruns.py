"""Exact reruns: rerunning `make run` (with or without a build), or re-delivering a past week of
exports, changes nothing."""

import datetime as dt
import os
import shutil

import pytest

pytestmark = pytest.mark.reliability
REDELIVERED_WEEK = [dt.date(2025, 1, 13) + dt.timedelta(days=i) for i in range(7)]


def test_rerun_gives_identical_hashes(platform):
    """Nothing changed since the last clean build (every test ends with one): the rerun skips
    the build (lending/build_stamp.py) and publishes the same tables."""
    code, log = platform.run("rerun")
    assert code == 0, log[-3000:]
    assert "build skipped" in log and "Building the warehouse" not in log
    assert platform.fingerprints() == platform.reference


def test_forced_rebuild_gives_identical_hashes(platform):
    """`make run REBUILD=1`: every model rebuilt from the same inputs, the same tables."""
    code, log = platform.run("rebuild", args=("--rebuild",))
    assert code == 0, log[-3000:]
    assert "Building the warehouse" in log
    assert platform.fingerprints() == platform.reference


def test_redelivered_week_gives_identical_hashes(platform):
    """Every file of a past week is delivered again: same bytes, new files, newer times."""
    redelivered = []
    for day in REDELIVERED_WEEK:
        for folder in (platform.root / "landing").glob(f"*/dt={day.isoformat()}"):
            for path in folder.iterdir():
                copy = path.with_name(path.name + ".redelivery")
                shutil.copyfile(path, copy)
                os.replace(copy, path)  # a new file (inode) with a new modification time
                redelivered.append(path)
    assert len({p.parent.parent.name for p in redelivered}) >= 5  # most sources have files
    code, log = platform.run("redelivered")
    assert code == 0, log[-3000:]
    assert platform.fingerprints() == platform.reference
