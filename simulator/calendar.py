"""Calendar effects shared by all behaviours: Spring Festival dip, weekends, month end, hours.

Times are kept internally as int64 "local wall-clock seconds since 1970-01-01" (Asia/Shanghai
has no DST, so local = UTC + 8h exactly) and days as int64 day numbers; this keeps every
behaviour in plain numpy arithmetic.
"""

from __future__ import annotations

import numpy as np

DAY = 86_400
HOUR = 3_600
NA = np.iinfo(np.int64).min  # null marker for int64 timestamps / dates / amounts

# Lunar new year days (Spring Festival); the holiday drags demand down for about three weeks.
SPRING_FESTIVAL = np.array(
    ["2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13",
     "2030-02-03"], dtype="datetime64[D]"
).astype(np.int64)

# Share of web/app traffic per local hour: quiet at night, peaks at lunch and in the evening.
_HOUR_W = np.array([0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.6, 1.5, 2.5, 3.2, 3.6, 3.8,
                    4.5, 4.0, 3.6, 3.5, 3.5, 3.8, 4.2, 5.0, 5.6, 5.8, 4.6, 2.2])
HOUR_P = _HOUR_W / _HOUR_W.sum()


def spring_festival_factor(days: np.ndarray) -> np.ndarray:
    """Demand multiplier around Spring Festival: pre-holiday slowdown, deep dip, slow recovery."""
    days = np.asarray(days, dtype=np.int64)
    off = days[:, None] - SPRING_FESTIVAL[None, :]
    f = np.ones(off.shape)
    f[(off >= -10) & (off < -3)] = 0.8
    f[(off >= -3) & (off <= 7)] = 0.45
    f[(off > 7) & (off <= 15)] = 0.75
    return f.min(axis=1)


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def is_month_end(days: np.ndarray, window: int = 3) -> np.ndarray:
    """True on the last ``window`` days of a month (salary-gap borrowing peaks there)."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    nxt = (d.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return (nxt - d).astype(np.int64) <= window


def demand_factor(days: np.ndarray, weekend: float = 1.0, month_end: float = 1.0) -> np.ndarray:
    """Combined seasonality multiplier for a vector of days."""
    f = spring_festival_factor(days)
    f = f * np.where(weekday(days) >= 5, weekend, 1.0)
    return f * np.where(is_month_end(days), month_end, 1.0)


def time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight following the diurnal traffic profile."""
    return rng.choice(24, size=n, p=HOUR_P) * HOUR + rng.integers(0, HOUR, size=n)


def add_months_days(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day-of-month ``months`` later, clamped to the month end (due-date rule)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m0 = d.astype("datetime64[M]")
    dom = (d - m0.astype("datetime64[D]")).astype(np.int64)
    m = m0 + np.asarray(months, dtype=np.int64)
    first = m.astype("datetime64[D]")
    last_dom = ((m + 1).astype("datetime64[D]") - first).astype(np.int64) - 1
    return (first + np.minimum(dom, last_dom)).astype(np.int64)


def postpone_for_holidays(rng: np.random.Generator, ts: np.ndarray) -> np.ndarray:
    """Push a share (1 - demand factor) of planned activities 10-20 days later: people put off
    borrowing over Spring Festival rather than dropping it."""
    f = spring_festival_factor(ts // DAY)
    move = rng.random(len(ts)) > f
    return np.where(move, ts + rng.integers(10, 21, len(ts)) * DAY, ts)
