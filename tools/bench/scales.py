"""The benchmark's three dataset sizes and the targets the platform is held to (issue 12).

Sizes are simulator settings (new registered users a month over 18 months); the simulator turns
about 0.9 applications out of every registered user. S is the demo `make run` generates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    users_per_month: int
    months: int
    about: str


SCALES = {
    "S": Scale("S", 2_800, 18, "the demo: ~45k applications, ~2.5M landing rows"),
    "M": Scale("M", 6_400, 18, "~100k applications, ~5.7M landing rows"),
    "L": Scale("L", 64_000, 18, "~1M applications, ~10M installment and repayment rows, "
                                "~25M touchpoints, ~15M app events"),
}


@dataclass(frozen=True)
class Target:
    key: str            # figure in the result JSON
    limit: float
    kind: str           # "max" (at most) or "min" (at least)
    scales: tuple[str, ...]  # where the target applies
    text: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value <= self.limit if self.kind == "max" else value >= self.limit


ALL = ("S", "M", "L")
# Issue 20's targets (they replace issue 12's 15-minute build and 10% day at L).
TARGETS = (
    Target("full_build_s", 720, "max", ("L",), "full build <= 12 min"),
    Target("peak_rss_mb", 8192, "max", ALL, "peak memory <= 8 GB"),
    Target("overhead_ratio", 1.5, "max", ALL, "overhead ratio (whole build) <= 1.5"),
    Target("load_overhead_ratio", 2.0, "max", ALL, "overhead ratio (loading) <= 2"),
    Target("incremental_ratio", 0.05, "max", ("L",), "incremental day <= 5% of the full build"),
    Target("incremental_ratio", 0.10, "max", ("M",), "incremental day <= 10% of the full build"),
    Target("late_rows_ratio", 0.10, "max", ("L",), "late-rows day <= 10% of the full build"),
    Target("simulator_s", 300, "max", ("L",), "simulator <= 5 min"),
    Target("simulator_peak_mb", 4096, "max", ALL, "simulator memory <= 4 GB"),
    Target("credit_train_s", 180, "max", ("L",), "credit training on ~1M applications <= 3 min"),
    Target("scoring_rows_per_s", 100_000, "min", ALL, "scoring >= 100k rows/s"),
)


def verdicts(result: dict) -> dict[str, str]:
    """Target text -> "pass" / "MISS" for the targets that apply at ``result['scale']``."""
    out = {}
    for target in TARGETS:
        if result["scale"] in target.scales:
            met = target.met(result.get(target.key))
            out[target.text] = "n/a" if met is None else ("pass" if met else "MISS")
    return out
