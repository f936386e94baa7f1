"""One platform per reliability session: a clean, uninterrupted `make run` is the reference."""

import time

import pytest

from tests.reliability.platform import Platform, snapshot_relations


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    platform = Platform.create(tmp_path_factory.mktemp("reliability"))
    started = time.monotonic()
    code, log = platform.run("reference")
    platform.reference_seconds = time.monotonic() - started
    assert code == 0, log[-3000:]
    platform.reference = platform.fingerprints()
    platform.reference_snapshot = snapshot_relations(platform.snapshot)
    assert any(k.startswith("marts.") for k in platform.reference)
    return platform
