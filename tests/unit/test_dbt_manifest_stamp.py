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


def test_each_set_of_dbt_variables_has_its_own_parse_folder():
    from lending.dbt import PARSED_DIR, manifest_dir

    one = {"LENDING_WAREHOUSE_PATH": "/a/lending.duckdb", "LENDING_TIMEZONE": "Asia/Shanghai"}
    other = {**one, "LENDING_WAREHOUSE_PATH": "/b/lending.duckdb"}
    assert manifest_dir(one) == manifest_dir(dict(reversed(one.items())))  # order is irrelevant
    assert manifest_dir(one) != manifest_dir(other)
    assert manifest_dir(one).parent == PARSED_DIR


def test_a_parse_replaces_the_files_whole_and_only_when_stale(tmp_path, monkeypatch):
    """The parse goes to a fresh folder seeded with the previous partial parse, then replaces
    the files one by one; a second call with nothing changed parses nothing."""
    import lending.dbt as dbt

    monkeypatch.setattr(dbt, "PARSED_DIR", tmp_path / "parsed")
    calls = []

    def fake_run_dbt(args, env, target, check):
        calls.append((args, dict(env), target, (target / "partial_parse.msgpack").exists()))
        for name in dbt._PARSE_ARTIFACTS:
            (target / name).write_text(f"{name} {len(calls)}")

    monkeypatch.setattr(dbt, "run_dbt", fake_run_dbt)
    env = {"LENDING_WAREHOUSE_PATH": str(tmp_path / "lending.duckdb")}
    manifest = dbt.ensure_manifest(env)
    assert manifest == dbt.manifest_dir(env) / "manifest.json"
    assert manifest.read_text() == "manifest.json 1"
    assert dbt.ensure_manifest(env) == manifest and len(calls) == 1  # stamp current: no parse
    dbt.ensure_manifest(env, force=True)
    assert manifest.read_text() == "manifest.json 2"
    assert calls[0][3] is False and calls[1][3] is True  # the second starts from the first
    assert calls[1][2] != manifest.parent  # never parsed in place
    assert sorted(p.name for p in manifest.parent.parent.iterdir()) == [
        manifest.parent.name, manifest.parent.name + ".lock"]  # no parse folder left
