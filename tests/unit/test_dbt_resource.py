"""The dbt resource keeps its artifacts out of the project and cleans up after dagster-dbt."""

import os
import tempfile
from pathlib import Path

import pytest

from lending.dbt import DBT_EXECUTABLE
from orchestration.resources import LendingDbtCliResource, remove_temporary_project_copy

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def _project_copy(parent: Path) -> Path:
    copy = Path(tempfile.mkdtemp(dir=parent))
    (copy / "dbt_project.yml").write_text("name: lending\n")
    (copy / "target").mkdir()
    (copy / "target" / "manifest.json").write_text("{}")
    return copy


def test_a_project_copy_in_the_temporary_folder_is_removed():
    copy = _project_copy(Path(tempfile.gettempdir()))
    assert remove_temporary_project_copy(copy, PROJECT) is True
    assert not copy.exists()


def test_the_project_itself_and_folders_elsewhere_are_kept(tmp_path):
    assert remove_temporary_project_copy(PROJECT, PROJECT) is False
    assert (PROJECT / "dbt_project.yml").is_file()
    elsewhere = _project_copy(tmp_path)  # not directly in the temporary folder
    assert remove_temporary_project_copy(elsewhere, PROJECT) is False
    assert elsewhere.exists()
    plain = Path(tempfile.mkdtemp())  # in the temporary folder, but no dbt project
    try:
        assert remove_temporary_project_copy(plain, PROJECT) is False
        assert plain.exists()
    finally:
        plain.rmdir()


@pytest.mark.parametrize("keep", [1, 3])
def test_a_new_run_folder_keeps_only_the_newest_runs(tmp_path, keep):
    runs = tmp_path / "dbt_runs"
    runs.mkdir()
    for age in range(5):  # run-0 is the newest
        folder = runs / f"run-{age}"
        folder.mkdir()
        stamp = 1_700_000_000 - age * 60
        os.utime(folder, (stamp, stamp))
    resource = LendingDbtCliResource(project_dir=str(PROJECT), profiles_dir=str(PROJECT),
                                     dbt_executable=DBT_EXECUTABLE,
                                     runs_dir=str(runs), keep_runs=keep)
    new = resource._new_run_dir(None)
    assert new.parent == runs and not new.exists()  # dbt creates it
    assert sorted(p.name for p in runs.iterdir()) == [f"run-{age}" for age in range(keep - 1)]


def test_the_compact_selection_respells_dagster_dbts_subset_and_is_undone_on_leaving():
    import dagster_dbt.asset_utils as dbt_asset_utils

    from orchestration.resources import compact_subset_selection
    from tests.unit.test_dbt_selection import HAND_BUILT

    original = dbt_asset_utils.get_subset_selection_for_context
    names = "lending.a.x lending.a.x_not_null lending.a.y"  # dagster-dbt's names: all of models/a

    def by_name(**kwargs):
        return ["--select", names], None

    def unknown(**kwargs):
        return ["--select", "lending.a.nothing"], "empty"

    try:
        dbt_asset_utils.get_subset_selection_for_context = by_name
        with compact_subset_selection():
            spelled = dbt_asset_utils.get_subset_selection_for_context(manifest=HAND_BUILT)
        assert spelled == (["--select", "path:models/a"], None)
        assert dbt_asset_utils.get_subset_selection_for_context is by_name  # undone
        # Names it cannot check are passed on unchanged.
        dbt_asset_utils.get_subset_selection_for_context = unknown
        with compact_subset_selection():
            assert dbt_asset_utils.get_subset_selection_for_context(manifest=HAND_BUILT) == (
                ["--select", "lending.a.nothing"], "empty")
    finally:
        dbt_asset_utils.get_subset_selection_for_context = original


def test_the_dbt_version_comes_from_the_installed_package_without_a_subprocess(monkeypatch):
    """dagster-dbt asks ``dbt --version`` in a second Python process (~2.5 s of CPU a run); ours is
    dbt-core beside this interpreter, so its package metadata answers."""
    import importlib.metadata

    import dagster_dbt.core.resource as dbt_resource

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"ran {args}")

    monkeypatch.setattr(dbt_resource, "check_output", no_subprocess)
    resource = LendingDbtCliResource(project_dir=str(PROJECT), profiles_dir=str(PROJECT),
                                     dbt_executable=DBT_EXECUTABLE, runs_dir="unused")
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._cli_version.major == 1  # dbt-core: dagster-dbt's dbt-core path


def test_dbt_writes_its_file_log_at_info_level(tmp_path):
    """Every dbt call the platform makes keeps the per-query debug lines out of dbt.log
    (DBT_LOG_ENV): they cost ~13% of a build step's time and ~16 MB an invocation."""
    from lending.dbt import run_dbt
    from lending.settings import Settings

    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)})
    done = run_dbt(["debug", "--log-path", str(tmp_path)], settings, capture_output=True,
                   text=True)  # no target path: `dbt debug` has no --target-path
    log = (tmp_path / "dbt.log").read_text(encoding="utf-8")
    assert "Running with dbt=" in log, done.stdout[-2000:]
    assert "[debug]" not in log and "[info ]" in log


def test_the_invocations_indirect_selection_flag_decides_whether_an_exclusion_may_spell_it():
    """dagster-dbt asks for indirect selection ``empty`` (an environment variable) when it lists
    tests by name; the build's own ``--indirect-selection buildable`` wins in dbt, and under it
    (not under ``empty``, which keeps source tests) the first step is spelled as an exclusion."""
    import dagster_dbt.asset_utils as dbt_asset_utils

    from orchestration.resources import _indirect_selection_flag, compact_subset_selection
    from tests.unit.test_dbt_selection import GRAPH

    assert _indirect_selection_flag(["build", "--indirect-selection", "buildable", "-x"]) == "buildable"
    assert _indirect_selection_flag(["build", "--indirect-selection=cautious"]) == "cautious"
    assert _indirect_selection_flag(["build"]) is None
    original = dbt_asset_utils.get_subset_selection_for_context

    def first_step(**kwargs):
        return ["--select", "lending.loans lending.loans_not_null"], "empty"

    try:
        dbt_asset_utils.get_subset_selection_for_context = first_step
        with compact_subset_selection("buildable"):
            spelled = dbt_asset_utils.get_subset_selection_for_context(manifest=GRAPH)
        assert spelled == (["--select", "fqn:*", "--exclude", "source:* source:ml+"], "empty")
        with compact_subset_selection(None):  # dagster-dbt's empty is in effect
            spelled = dbt_asset_utils.get_subset_selection_for_context(manifest=GRAPH)
        assert spelled == (["--select", "path:models/loans.sql path:models/loans.yml"], "empty")
    finally:
        dbt_asset_utils.get_subset_selection_for_context = original
