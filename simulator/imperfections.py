"""Export imperfections: late arrivals, exact re-exports (duplicates) and malformed rows.

Real operational exports are messy and the pipeline's quarantine/dedup logic needs something
to catch. Injection is deterministic (seeded generator per batch) and safe by construction:

* late: the original row is moved to a dt folder 1-5 days after its event day (timestamps kept);
* duplicate: an exact copy of a row is exported again 1-7 days later;
* malformed: ALWAYS an extra, corrupted copy of a row exported alongside the original - the
  only copy of a record is never damaged, so no other record loses its parent. Kinds: bad
  timestamp/date text (CSV/JSON only), negative amount, unknown channel, empty required id.

Rows whose (shifted) export day would fall after the simulated horizon are not shifted/copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.frame import Frame, concat, nrows, take
from simulator.schema import Source


@dataclass(frozen=True)
class Rates:
    error: float
    duplicate: float
    late: float


def inject(frame: Frame, src: Source, rates: Rates, rng: np.random.Generator, end_day: int,
           counts: dict[str, int]) -> Frame:
    """Return ``frame`` with imperfections applied; ``counts`` is incremented in place."""
    n = nrows(frame)
    if n == 0:
        return frame
    day = frame["_day"]
    # late arrivals: move the row itself
    delay = rng.integers(1, 6, size=n)
    late = (rng.random(n) < rates.late) & (day + delay <= end_day)
    frame["_day"] = np.where(late, day + delay, day)
    counts["late"] += int(late.sum())
    # duplicates: exact copy exported again later
    dgap = rng.integers(1, 8, size=n)
    dup = (rng.random(n) < rates.duplicate) & (frame["_day"] + dgap <= end_day)
    dups = take(frame, np.flatnonzero(dup))
    dups["_day"] = dups["_day"] + dgap[dup]
    counts["duplicate"] += int(dup.sum())
    # malformed: corrupted extra copy, same export day as the original
    bad_idx = np.flatnonzero(rng.random(n) < rates.error)
    bad = take(frame, bad_idx)
    if len(bad_idx):
        kinds = np.array(src.bad_kinds)[rng.integers(0, len(src.bad_kinds), size=len(bad_idx))]
        bad["_bad"] = kinds == "bad_ts"
        money = src.first("money")
        if money is not None:
            m = kinds == "neg_amount"
            bad[money.name] = np.where(m, -np.abs(bad[money.name]) - 1, bad[money.name])
        if "unknown_channel" in src.bad_kinds:
            m = kinds == "unknown_channel"
            n_known = len(next(c for c in src.cols if c.name == "channel").cats)
            bad["channel"] = np.where(m, n_known, bad["channel"])
        idc = next(c for c in src.cols if c.kind == "id" or c.name == "campaign_id")
        bad[idc.name] = np.where(kinds == "missing_id", -1, bad[idc.name])
        counts["malformed"] += len(bad_idx)
    return concat([frame, dups, bad])
