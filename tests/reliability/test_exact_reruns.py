"""Exact reruns: rerunning `make run`, or re-delivering a past week of exports, changes nothing."""

import datetime as dt
import os
import shutil

import pytest

pytestmark = pytest.mark.reliability
REDELIVERED_WEEK = [dt.date(2025, 1, 13) + dt.timedelta(days=i) for i in range(7)]


def test_rerun_gives_identical_hashes(platform):
    code, log = platform.run("rerun")
    assert code == 0, log[-3000:]
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
