"""The build stamp (lending/build_stamp.py): a build is skipped only when everything it reads is
what the last clean build read. Each input below is changed on its own and must end the skip."""

import dataclasses
import json

import duckdb
import pytest

from lending import build_failures, build_stamp
from lending.settings import Settings

LOAD_LOG = """create table raw.load_log (
    source varchar, _partition_date date, status varchar, files varchar[], rows_read bigint,
    rows_loaded bigint, rows_quarantined bigint, extra_columns varchar[],
    missing_optional_columns varchar[], error varchar, _ingested_at timestamptz,
    input_digest varchar)"""


@pytest.fixture
def settings(tmp_path):
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)})
    settings.warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema raw")
        con.execute("create schema reference")
        con.execute(LOAD_LOG)
        con.execute("""insert into raw.load_log values
            ('loans', '2025-01-01', 'loaded', ['loans.csv'], 2, 2, 0, [], [], null,
             '2025-01-02 03:00:00+00', 'd1'),
            ('loans', '2025-01-02', 'failed', ['loans.csv'], 0, 0, 0, [], [], 'bad header',
             '2025-01-03 03:00:00+00', 'd2')""")
        con.execute("create table reference.channels as select 'organic' as code")
    return settings


def execute(settings, sql: str) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(sql)


def registry(tmp_path):
    folder = tmp_path / "mlflow"
    folder.mkdir(exist_ok=True)
    return folder


def stamp(settings, tmp_path, before=None) -> None:
    """A clean build ended: stamp it with the inputs read before it (default: now)."""
    before = before or build_stamp.current_inputs(settings)
    assert build_stamp.stamp_if_clean(settings, before, registry(tmp_path), "run-1")


def fail_a_node(settings) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        build_failures.ensure_table(con)
        con.execute(f"""insert into {build_failures.TABLE} values ('model.lending.m', 'm', 'model',
                        'error', 'boom', null, 'models/m.sql', 'marts/m', null, 'run-2', now())""")


def test_nothing_changed_keeps_the_stamp_of_the_last_clean_build(settings, tmp_path):
    inputs = build_stamp.current_inputs(settings)
    assert build_stamp.unchanged(settings, inputs, registry(tmp_path)) is None  # no stamp yet
    stamp(settings, tmp_path, inputs)
    kept = build_stamp.unchanged(settings, build_stamp.current_inputs(settings), registry(tmp_path))
    assert kept is not None and kept["run_id"] == "run-1"
    build_stamp.clear(settings)  # a build starts
    assert build_stamp.unchanged(settings, inputs, registry(tmp_path)) is None


@pytest.mark.parametrize("change", [
    # a day loaded again (same files: its time is what the incremental windows read)
    "update raw.load_log set _ingested_at = _ingested_at + interval 1 day where status = 'loaded'",
    "update raw.load_log set status = 'loaded' where status = 'failed'",  # a failed day loads
    "delete from raw.load_log where status = 'loaded'",                  # a day removed
    "insert into reference.channels values ('tiktok_ads')",              # a code accepted
])
def test_a_load_or_a_reference_change_ends_the_skip(settings, tmp_path, change):
    stamp(settings, tmp_path)
    execute(settings, change)
    assert build_stamp.unchanged(
        settings, build_stamp.current_inputs(settings), registry(tmp_path)) is None


def test_a_failed_day_tried_again_changes_nothing_the_build_reads(settings, tmp_path):
    """A failed day wrote nothing to raw; each run tries it again and logs the new time."""
    stamp(settings, tmp_path)
    execute(settings, "update raw.load_log set _ingested_at = _ingested_at + interval 1 day "
                      "where status = 'failed'")
    assert build_stamp.unchanged(
        settings, build_stamp.current_inputs(settings), registry(tmp_path)) is not None


def test_a_champion_change_ends_the_skip(settings, tmp_path):
    (registry(tmp_path) / "mlflow.db").write_bytes(b"champion v1")
    stamp(settings, tmp_path)
    (registry(tmp_path) / "mlflow.db").write_bytes(b"champion v2")
    assert build_stamp.unchanged(
        settings, build_stamp.current_inputs(settings), registry(tmp_path)) is None


def test_a_setting_the_build_reads_ends_the_skip(settings, tmp_path):
    stamp(settings, tmp_path)
    for other in (dataclasses.replace(settings, pii_key="another-key"),
                  dataclasses.replace(settings, timezone="UTC")):
        assert build_stamp.unchanged(
            other, build_stamp.current_inputs(other), registry(tmp_path)) is None


def test_the_code_digest_covers_code_files_and_nothing_else(tmp_path):
    root = tmp_path / "dbt_project"
    (root / "models").mkdir(parents=True)
    (root / "target").mkdir()
    (root / "models" / "m.sql").write_text("select 1")
    (root / "seeds.csv").write_text("a\n1\n")
    before = build_stamp.code_digest((root,))
    (root / "target" / "compiled.sql").write_text("select 2")  # dbt's output, not code
    (root / "models" / "notes.md").write_text("prose")
    (root / ".user.yml").write_text("id: 5f0c")  # dbt's anonymous user id, written on its first run
    assert build_stamp.code_digest((root,)) == before
    (root / "seeds.csv").write_text("a\n2\n")  # a seed edited
    assert build_stamp.code_digest((root,)) != before
    (root / "seeds.csv").write_text("a\n1\n")
    (root / "models" / "m.sql").rename(root / "models" / "n.sql")  # a model renamed
    assert build_stamp.code_digest((root,)) != before


def test_no_stamp_without_a_load_and_no_key_in_the_stamp(settings, tmp_path):
    execute(settings, "drop table raw.load_log")
    assert build_stamp.current_inputs(settings) is None  # nothing loaded: always build
    execute(settings, LOAD_LOG)
    stamp(settings, tmp_path)
    text = build_stamp.stamp_path(settings).read_text(encoding="utf-8")
    assert settings.pii_key not in text
    assert set(json.loads(text)) == {"data", "code", "settings", "registry", "run_id"}


def test_a_failed_node_ends_the_skip_and_leaves_no_stamp(settings, tmp_path):
    """A build launched elsewhere (the UI) failed since the stamp: `make run` builds again; a
    build that leaves a failed node is not stamped; the clean build after it is."""
    stamp(settings, tmp_path)
    fail_a_node(settings)
    inputs = build_stamp.current_inputs(settings)
    assert inputs["failed_nodes"] == 1
    assert build_stamp.unchanged(settings, inputs, registry(tmp_path)) is None
    build_stamp.clear(settings)
    assert not build_stamp.stamp_if_clean(settings, inputs, registry(tmp_path), "run-2")
    execute(settings, f"delete from {build_failures.TABLE}")  # the next build fixed it
    assert build_stamp.stamp_if_clean(settings, inputs, registry(tmp_path), "run-3")
    assert build_stamp.unchanged(
        settings, build_stamp.current_inputs(settings), registry(tmp_path))["run_id"] == "run-3"


def test_inputs_changed_during_the_build_leave_no_stamp(settings, tmp_path):
    """A load launched from the UI while the build ran: the build may not reflect it."""
    before = build_stamp.current_inputs(settings)
    execute(settings, "update raw.load_log set _ingested_at = now() where status = 'loaded'")
    assert not build_stamp.stamp_if_clean(settings, before, registry(tmp_path), "run-1")
    assert build_stamp.read(settings) is None
