"""Run configuration of the simulator: one frozen object so a run is fully described by it.

The summary file ``_simulation.json`` embeds :meth:`SimulationConfig.to_dict`, which is how tests
and the pipeline team can tell which knobs produced a landing folder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

EPOCH = date(1970, 1, 1)


def add_months(d: date, months: int) -> date:
    """First day of the month ``months`` after the month of ``d`` (day is reset to 1)."""
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


@dataclass(frozen=True)
class SimulationConfig:
    """Knobs of one simulated run; the defaults are the demo dataset (~50k registered users).

    ``scale`` is the approximate number of newly registered users per month; visitor volume is
    derived from it through the channels' registration conversion (~8%).
    """

    seed: int = 42
    start: date = date(2025, 1, 1)
    months: int = 18
    scale: int = 2800
    error_rate: float = 0.002
    duplicate_rate: float = 0.01
    late_rate: float = 0.01
    # share of new users per month who are fraud-ring members (simulator/fraud.py); 0 = none
    fraud_rate: float = 0.015
    progress: bool = True

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError("months must be >= 1")
        if self.scale < 1:
            raise ValueError("scale must be >= 1")
        for name in ("error_rate", "duplicate_rate", "late_rate", "fraud_rate"):
            if not 0.0 <= getattr(self, name) < 0.5:
                raise ValueError(f"{name} must be in [0, 0.5)")

    @property
    def end(self) -> date:
        """Last simulated (and exported) day, inclusive."""
        return add_months(self.start, self.months) - timedelta(days=1)

    @property
    def start_day(self) -> int:
        """Start as days since 1970-01-01 (the simulator's internal date unit)."""
        return (self.start - EPOCH).days

    @property
    def end_day(self) -> int:
        return (self.end - EPOCH).days

    def month_bounds(self) -> list[tuple[int, int]]:
        """[first_day, next_month_first_day) per simulated month, in internal day numbers."""
        first = date(self.start.year, self.start.month, 1)
        out = []
        for i in range(self.months):
            a = max(add_months(first, i), self.start)
            b = add_months(first, i + 1)
            out.append(((a - EPOCH).days, (b - EPOCH).days))
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["start"] = self.start.isoformat()
        d["end"] = self.end.isoformat()
        return d
