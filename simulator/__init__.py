"""Deterministic simulator of an online consumer-lending platform's daily landing exports.

The data pipeline never imports this package; it only reads the files written by
:func:`generate`, so real exports can replace it. See ``python -m simulator --help``.
"""

from simulator.config import SimulationConfig
from simulator.engine import generate

__all__ = ["SimulationConfig", "generate"]
