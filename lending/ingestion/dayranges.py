"""Compact day lists for logs and metadata: runs of consecutive days as one range.

A run over a long landing zone can miss hundreds of days; a warning that lists each one is
unreadable. ``2022-10-08..2022-11-15 (39 days)`` says the same in one item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def day_ranges(days: Iterable[dt.date]) -> list[str]:
    """Sorted distinct days as ranges of consecutive days; a single day is just its date."""
    ordered = sorted(set(days))
    ranges: list[list[dt.date]] = []
    for day in ordered:
        if ranges and (day - ranges[-1][1]).days == 1:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [
        first.isoformat() if first == last
        else f"{first.isoformat()}..{last.isoformat()} ({(last - first).days + 1} days)"
        for first, last in ranges
    ]
