"""The benchmark's late-rows day: an export day that also carries rows dated 30 and 90 days back.

Issue 20 asks what a day costs when a source system sends rows it failed to deliver weeks ago. The
extra rows are exact copies of rows exported 30 and 90 days before the day (the simulator's
re-exports, `simulator/imperfections.py`, only older), in an extra file of the day, for the event
sources whose rows never change after they happen (touchpoints, app events, repayments). The
warehouse's content is therefore what the day alone would give, while every incremental window over
those sources has to reach back 90 days (docs/incremental.md: a load is dated by every version of
its natural keys), which is the cost being measured.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lending.contract import load_contract
from tools.harness.landing_edits import read_day, write_day

SOURCES = ("touchpoints", "app_events", "repayments")
DAYS_BACK = (30, 90)
ROWS_PER_DAY = 500  # per source and age: enough rows to touch many entities, a day's file stays small
FILE_STEM = "bench-late-rows"


def add_late_rows(landing: Path, day: dt.date) -> dict[str, int]:
    """Write the late rows into an extra file of ``day`` for each source; rows written per source."""
    contract = load_contract()
    written = {}
    for source in SOURCES:
        rows = [row for back in DAYS_BACK
                for row in read_day(landing, source, day - dt.timedelta(days=back))[:ROWS_PER_DAY]]
        if rows:
            write_day(landing, source, day, rows,
                      name=f"{FILE_STEM}.{contract.sources[source].extension}")
        written[source] = len(rows)
    return written


def remove_late_rows(landing: Path) -> int:
    """Delete the late-rows files of any day (an earlier run's); how many were deleted."""
    files = list(landing.glob(f"*/dt=*/{FILE_STEM}.*"))
    for path in files:
        path.unlink()
    return len(files)
