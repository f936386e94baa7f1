"""Shared fixtures (writers for hand-built landing files), and how tests share the two workers."""

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from lending.settings import Settings

# Session fixtures that build a whole warehouse: every test that takes one runs on the same worker.
SHARED_WAREHOUSES = ("pipeline",)
# Where the workers leave the group of each test for the controller's scheduler (below).
GROUPS_VARIABLE = "LENDING_TEST_GROUPS"


def test_group(item: pytest.Item) -> str:
    """The worker a test must share with others: its module's (a module fixture, e.g. a warehouse
    built for that module, is then built once), or the shared integration warehouse's."""
    shared = [name for name in SHARED_WAREHOUSES if name in item.fixturenames]
    return shared[0] if shared else item.nodeid.split("::")[0]


def pytest_configure(config):
    """On the pytest-xdist controller: name a file for the groups, in the environment the
    workers it starts inherit."""
    if not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") != "no":
        folder = Path(tempfile.mkdtemp(prefix="lending-test-groups-"))
        os.environ[GROUPS_VARIABLE] = str(folder / "groups.json")


def pytest_unconfigure(config):
    path = os.environ.get(GROUPS_VARIABLE)
    if path and not hasattr(config, "workerinput"):
        shutil.rmtree(Path(path).parent, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """On a worker: write every collected test's group (``test_group``), whole (``os.replace``)."""
    path = os.environ.get(GROUPS_VARIABLE)
    if path and hasattr(config, "workerinput"):
        partial = Path(f"{path}.{os.getpid()}")
        partial.write_text(json.dumps({item.nodeid: test_group(item) for item in items}))
        os.replace(partial, path)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` by ``test_group``. xdist's own loadgroup renames each test's node id
    (``item._nodeid``), which pytest 9 no longer reads (``Node.nodeid`` is ``str(item._id)``), so
    its groups are silently ignored: measured, the shared warehouse was built on both workers."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                path = Path(os.environ.get(GROUPS_VARIABLE, "-"))
                self.groups = json.loads(path.read_text()) if path.is_file() else {}
            return self.groups.get(nodeid, nodeid.split("::")[0])

    return GroupScheduling(config, log)


def write_day(landing: Path, source: str, day: str, text: str, ext: str) -> Path:
    folder = landing / source / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}.{ext}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def con(tmp_path):
    """A warehouse connection as the pipeline makes them (memory limit, local time zone)."""
    warehouse = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}).warehouse()
    with dataclasses.replace(warehouse, path=tmp_path / "wh.duckdb").connect() as connection:
        yield connection


@pytest.fixture
def day():
    return dt.date(2025, 3, 1)
