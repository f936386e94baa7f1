"""Rows waiting for their export month.

Behaviours generate whole futures at once (a loan's repayments for its full term), while files
are written month by month; this buffer holds rows keyed by export month so memory is bounded
by the not-yet-exported future, not by the whole run. Imperfections are injected on entry.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from simulator.frame import Frame, concat, nrows, take
from simulator.imperfections import Rates, inject
from simulator.schema import Source


class ExportBuffer:
    def __init__(self, sources: dict[str, Source], month_starts: np.ndarray, end_day: int,
                 rates: Rates):
        self.sources = sources
        self.month_starts = month_starts  # first day of each month + the day after the end
        self.end_day = end_day
        self.rates = rates
        self.pending: dict[str, dict[int, list[Frame]]] = {s: defaultdict(list) for s in sources}
        self.injected = {s: {"malformed": 0, "duplicate": 0, "late": 0} for s in sources}
        # months before this one are written already (the engine advances it month by month)
        self.first_open = 0

    def add(self, source: str, frame: Frame, rng: np.random.Generator) -> None:
        """Queue rows (``_day`` = event day) after dropping those beyond the horizon."""
        if not frame or nrows(frame) == 0:
            return
        keep = np.flatnonzero(frame["_day"] <= self.end_day)
        frame = take(frame, keep)
        if len(keep) == 0:
            return
        frame.setdefault("_bad", np.zeros(len(keep), dtype=bool))
        frame = inject(frame, self.sources[source], self.rates, rng, self.end_day,
                       self.injected[source])
        month = np.searchsorted(self.month_starts, frame["_day"], side="right") - 1
        # a row dated in a month already written (an app event minutes before an application
        # just after midnight on the 1st) arrives late, on the first open day, instead of being
        # parked in a month that is never popped again
        past = month < self.first_open
        if past.any():
            frame["_day"] = np.where(past, self.month_starts[self.first_open], frame["_day"])
            month = np.maximum(month, self.first_open)
            self.injected[source]["late"] += int(past.sum())
        order = np.argsort(month, kind="stable")
        month = month[order]
        cuts = np.flatnonzero(np.diff(month)) + 1
        bounds = np.concatenate([[0], cuts, [len(order)]])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            self.pending[source][int(month[a])].append(take(frame, order[a:b]))

    def pop(self, source: str, month: int) -> Frame:
        return concat(self.pending[source].pop(month, []))
