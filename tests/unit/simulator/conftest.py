"""Shared simulated landing folders: a small one for contract checks, a medium one for rates."""

from __future__ import annotations

from datetime import date

import pytest

from simulator import SimulationConfig, generate

SMALL = SimulationConfig(seed=7, start=date(2025, 1, 1), months=4, scale=300, progress=False)
MEDIUM = SimulationConfig(seed=11, start=date(2025, 1, 1), months=9, scale=1800, progress=False)


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim_small")
    return out, generate(out, SMALL)


@pytest.fixture(scope="session")
def medium(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim_medium")
    return out, generate(out, MEDIUM)
