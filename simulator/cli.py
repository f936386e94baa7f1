"""Command line entry point: ``python -m simulator --out DIR [options]``."""

from __future__ import annotations

import argparse
import json
from datetime import date

from simulator.config import SimulationConfig
from simulator.engine import generate


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m simulator",
                                description="Simulate the lending platform's landing exports.")
    p.add_argument("--out", required=True, help="landing root folder to write")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    p.add_argument("--months", type=int, default=18)
    p.add_argument("--scale", type=int, default=2800, help="new registered users per month")
    p.add_argument("--error-rate", type=float, default=0.002)
    p.add_argument("--duplicate-rate", type=float, default=0.01)
    p.add_argument("--late-rate", type=float, default=0.01)
    p.add_argument("--fraud-rate", type=float, default=0.015,
                   help="share of new users per month in fraud rings (0 = none)")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    cfg = SimulationConfig(seed=a.seed, start=a.start, months=a.months, scale=a.scale,
                           error_rate=a.error_rate, duplicate_rate=a.duplicate_rate,
                           late_rate=a.late_rate, fraud_rate=a.fraud_rate,
                           progress=not a.no_progress)
    summary = generate(a.out, cfg)
    print(json.dumps({"days": summary["days"], "rows": summary["rows"]}, indent=2))
    return 0
