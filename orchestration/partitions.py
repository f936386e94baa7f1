"""Export days as Dagster partitions: one per dt=YYYY-MM-DD folder of the landing zone, from
LENDING_START_DATE up to yesterday in the lender's time zone; and the range a reprocess may cover.

``reprocess --from --to`` (orchestration/cli.py) loads a range of export days again from the
landing zone, then rebuilds: after editing the reference data (or any fix that changes how landed
rows are checked) the files are still in the landing zone, so nothing has to be exported again.
Loading a day replaces what that day contributed (raw rows and quarantine), so reprocessing is as
safe as a rerun. A reprocess run carries ``RELOAD_TAG``: its days load again even where their
files, contract and reference data are unchanged, which a plain run skips (lending/ingestion/
digest.py), since what a reprocess is for may be a change the digest cannot see (the checks).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from lending.settings import Settings

# Run tag: "true" loads every export day of the run again, unchanged or not.
RELOAD_TAG = "lending/reload_unchanged_days"


class ReprocessRangeError(ValueError):
    """The requested range is not a valid range of export days."""


def daily_export_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=settings.start_date.isoformat(), timezone=settings.timezone, end_offset=0
    )


def reprocess_span(start: str | None, end: str | None, settings: Settings) -> tuple[str, str]:
    """The (first, last) export day to reprocess, as ISO dates, checked against the partitions.

    Export days exist from LENDING_START_DATE up to today; --to defaults to --from (one day).
    """
    if not start:
        raise ReprocessRangeError("reprocess needs --from YYYY-MM-DD (and optionally --to)")
    try:
        first = dt.date.fromisoformat(start)
        last = dt.date.fromisoformat(end) if end else first
    except ValueError as exc:
        raise ReprocessRangeError(f"reprocess: {exc} (dates are YYYY-MM-DD)") from None
    if last < first:
        raise ReprocessRangeError(f"reprocess: --to {last} is before --from {first}")
    if first < settings.start_date:
        raise ReprocessRangeError(
            f"reprocess: --from {first} is before the first export day {settings.start_date} "
            "(LENDING_START_DATE)")
    newest = daily_export_partitions(settings).get_last_partition_key()
    if newest is None or last.isoformat() > newest:
        raise ReprocessRangeError(f"reprocess: --to {last} is after the newest export day {newest}")
    return first.isoformat(), last.isoformat()
