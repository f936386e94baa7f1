"""The dbt manifest is parsed again exactly when something `dbt parse` reads has changed."""

import os

from lending.dbt import project_stamp
from lending.settings import Settings


def _project(root):
    (root / "models").mkdir(parents=True)
    (root / "models" / "a.sql").write_text("select 1 as x")
    (root / "target").mkdir()
    (root / "target" / "manifest.json").write_text("{}")
    return root


def test_stamp_is_stable_and_ignores_dbt_outputs(tmp_path):
    root = _project(tmp_path / "p")
    before = project_stamp(root, env={})
    (root / "target" / "run_results.json").write_text("{}")  # dbt's own outputs
    (root / "logs").mkdir()
    (root / "logs" / "dbt.log").write_text("x")
    assert project_stamp(root, env={}) == before


def test_stamp_changes_with_a_model_edit_a_new_file_or_a_setting(tmp_path):
    root = _project(tmp_path / "p")
    before = project_stamp(root, env={})
    model = root / "models" / "a.sql"
    model.write_text("select 2 as x")
    os.utime(model, ns=(1, 1))  # even an edit that keeps the size and moves the time back
    edited = project_stamp(root, env={})
    assert edited != before
    (root / "models" / "b.sql").write_text("select 1 as y")
    added = project_stamp(root, env={})
    assert added != edited
    # the settings' dbt variables (Settings.dbt_env) are part of what dbt parses
    here = Settings.from_env({"LENDING_DATA_DIR": "/here"}).dbt_env()
    there = Settings.from_env({"LENDING_DATA_DIR": "/there"}).dbt_env()
    assert project_stamp(root, env=here) != added
    assert project_stamp(root, env=here) == project_stamp(root, env=dict(here))
    assert project_stamp(root, env=there) != project_stamp(root, env=here)
