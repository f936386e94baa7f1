"""The benchmark's arithmetic on hand-built inputs (never its timings: tests do not time)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import duckdb
import pytest

from lending.contract.model import Column, Source
from tests.conftest import write_day
from tools.bench import floor, late_rows, memory, report, run_events, scales
from tools.bench.bench import move_day, newest_day, split_build
from tools.harness import landing_edits

E = run_events.Event


def test_attribute_shares_a_dbt_step_by_node_durations_and_times_python_steps():
    events = [
        E(100.0, "RUN_START", None, None),
        E(101.0, "STEP_START", "dbt", None),
        E(104.0, "ASSET_MATERIALIZATION", "dbt", "stg_a", 1.0),
        E(109.0, "ASSET_MATERIALIZATION", "dbt", "mart_b", 3.0),
        E(110.0, "ASSET_CHECK_EVALUATION", "dbt", "mart_b", 1.0),  # a test on mart_b
        E(112.0, "STEP_SUCCESS", "dbt", None),
        E(112.5, "STEP_START", "model", None),
        E(120.5, "ASSET_MATERIALIZATION", "model", "ml/credit_model"),
        E(121.0, "STEP_SUCCESS", "model", None),
        E(121.0, "STEP_START", "drift", None),  # a check step on the model's asset
        E(121.5, "ASSET_CHECK_EVALUATION", "drift", "ml/credit_model"),
        E(121.5, "STEP_SUCCESS", "drift", None),
        E(122.0, "RUN_SUCCESS", None, None),
    ]
    run = run_events.attribute(events)
    assert run.wall_s == 22.0
    # the dbt step's 11 s shared 1 : (3 + 1); the Python step's asset gets 8 s, teardown 0.5 s
    assert run.seconds_by_asset == pytest.approx({"stg_a": 2.2, "mart_b": 8.8,
                                                  "ml/credit_model": 8.5})
    assert run.overhead_by_step == {"model": 0.5}
    # a step's time is its own wall time, not its assets' totals (the check step: 0.5 s)
    assert run.step_wall_s == {"dbt": 11.0, "model": 8.5, "drift": 0.5}
    assert run.step_seconds("dbt") == 11.0 and run.step_seconds("drift") == 0.5
    # 22 s wall - 20 s in steps = 2 s around them (run start, between steps, run end)
    assert run.run_overhead_s == pytest.approx(2.0)

    families = run_events.by_family([run], {"stg_a": "staging", "mart_b": "risk"},
                                    process_wall_s=30.0)
    assert families == {"risk": 8.8, "(other)": 8.5,
                        "(process start, definitions, summary)": 8.0,
                        "staging": 2.2, run_events.RUN_OVERHEAD: 2.0,
                        run_events.STEP_OVERHEAD: 0.5}
    assert sum(families.values()) == pytest.approx(30.0)  # families add up to the wall time

    assert run_events.slowest([run, run], n=2) == {"mart_b": 17.6, "ml/credit_model": 17.0}

    split = split_build({"daily_ingestion": run_events.RunTimes(40.0, {}, {}, {}, 0.0),
                         "build_warehouse": run}, dbt={"stg_a", "mart_b"})
    assert split == {"load_s": 40.0, "transform_s": 11.0, "python_steps_s": 9.0}


def _manifest():
    def node(kind, materialized, sql, deps, relation=None, language="sql"):
        return {"resource_type": kind, "config": {"materialized": materialized},
                "compiled_code": sql, "depends_on": {"nodes": deps},
                "relation_name": relation, "language": language}

    return {"nodes": {
        "test.t_unique": node("test", "test", "select 1 where false", ["model.mart"]),
        "model.mart": node("model", "table", "select * from main.stg", ["model.stg", "model.eph"],
                           "main.mart"),
        "model.eph": node("model", "ephemeral", "select 1", []),
        "model.py": node("model", "table", "def model(dbt, s): ...", [], "main.py", "python"),
        "model.stg": node("model", "view", "select 42 as x", [], "main.stg"),
        "unit_test.u": node("unit_test", "", "select 1", ["model.stg"]),
    }}


def test_floor_runs_compiled_models_and_tests_in_dependency_order(tmp_path):
    nodes = floor.floor_nodes(_manifest())
    assert [n.unique_id for n in nodes] == ["model.stg", "model.mart", "test.t_unique"]
    assert nodes[0].statement() == "create or replace view main.stg as select 42 as x"
    with duckdb.connect() as con:
        for n in nodes:
            con.execute(n.statement()).fetchall()
        assert con.execute("select x from main.mart").fetchall() == [(42,)]
        assert con.execute("select table_type from information_schema.tables "
                           "where table_name = 'mart'").fetchone() == ("BASE TABLE",)


def test_floor_load_types_the_contract_columns_of_every_day(tmp_path):
    src = Source("users", "csv", "", ("user_id",), (
        Column("user_id", "varchar", ""), Column("score", "integer", ""),
        Column("seen_at", "timestamptz", "")))
    write_day(tmp_path, "users", "2025-03-01", "user_id,score,seen_at\nU1,7,2025-03-01T08:00:00+08:00\n"
              "U2,oops,\n", "csv")
    write_day(tmp_path, "users", "2025-03-02", "seen_at,user_id,score\n,U3,9\n", "csv")
    with duckdb.connect() as con:
        con.execute("create schema floor_raw")
        con.execute(floor.load_sql(tmp_path, src))
        rows = con.execute("select user_id, score, seen_at is null, _partition_date::varchar "
                           "from floor_raw.users order by 1").fetchall()
    # the row whose score does not convert is skipped (the platform quarantines it instead)
    assert rows == [("U1", 7, False, "2025-03-01"), ("U3", 9, True, "2025-03-02")]


def test_held_back_day_moves_out_and_back(tmp_path):
    landing, held = tmp_path / "landing", tmp_path / "held"
    for source in ("users", "loans"):
        for day in ("2025-03-01", "2025-03-02"):
            write_day(landing, source, day, "x\n1\n", "csv")
    assert newest_day(landing) == "2025-03-02"
    move_day(landing, held, "2025-03-02")
    assert newest_day(landing) == "2025-03-01"
    assert sorted(p.relative_to(held).as_posix() for p in held.glob("*/*/*")) == [
        "loans/dt=2025-03-02/loans.csv", "users/dt=2025-03-02/users.csv"]
    move_day(held, landing, "2025-03-02")
    assert newest_day(landing) == "2025-03-02" and not list(held.glob("*/dt=*"))


def test_late_rows_day_copies_rows_exported_30_and_90_days_back_and_is_undone(tmp_path, monkeypatch):
    landing, day = tmp_path / "landing", dt.date(2025, 6, 30)

    def touches(*ids):
        return [{"touch_id": i, "visitor_id": f"V{i}", "channel": "search",
                 "touched_at": "2025-04-01T10:00:00"} for i in ids]

    for back, ids in ((90, ("T90a", "T90b")), (45, ("T45",)), (30, ("T30",)), (0, ("T0",))):
        landing_edits.write_day(landing, "touchpoints", day - dt.timedelta(days=back), touches(*ids))
    landing_edits.write_day(landing, "app_events", day, [{"event_id": "E0"}])
    monkeypatch.setattr(late_rows, "ROWS_PER_DAY", 1)  # the first row of each age

    assert late_rows.add_late_rows(landing, day) == {
        "touchpoints": 2, "app_events": 0, "repayments": 0}
    rows = {r["touch_id"]: r for r in landing_edits.read_day(landing, "touchpoints", day)}
    assert sorted(rows) == ["T0", "T30", "T90a"]  # not 45 days back, not a second row
    assert rows["T90a"] == touches("T90a")[0] | {
        k: None for k in rows["T90a"] if k not in touches("T90a")[0]}  # an exact copy
    assert [p.name for p in (landing / "app_events" / f"dt={day}").iterdir()] == ["app_events.jsonl"]
    assert late_rows.remove_late_rows(landing) == 1
    assert [r["touch_id"] for r in landing_edits.read_day(landing, "touchpoints", day)] == ["T0"]


def test_tree_memory_counts_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        parents = memory._parents()
        assert child.pid in memory.tree_pids(os.getpid(), parents)
        assert memory.tree_rss_mb(os.getpid()) > memory.tree_rss_mb(child.pid) > 0
        # A block far shorter than the interval: the samples on entry and exit still see the
        # child, whenever the background thread happens to run.
        with memory.PeakTreeMemory(os.getpid(), interval=3600) as peak:
            pass
        assert child.pid in peak.peak_pids and os.getpid() in peak.peak_pids
        assert peak.peak_mb >= memory.tree_rss_mb(child.pid) > 0
    finally:
        child.kill()
        child.wait()


def _result(scale, full, **extra):
    return {"scale": scale, "full_build_s": full, "overhead_ratio": 1.2,
            "load_overhead_ratio": 2.5, "scoring_rows_per_s": 150_000, "peak_rss_mb": 900,
            "finished_at": "2026-11-30 16:00 UTC", "seconds_by_family": {"risk": full / 2,
                                                                          "ingestion": full / 2},
            "machine": {"cores": 2, "memory_gb": 24.0}, "versions": {"duckdb": "1.0"}, **extra}


def test_verdicts_apply_targets_by_scale():
    v = scales.verdicts(_result("L", 1000.0, incremental_ratio=0.05, late_rows_ratio=0.11))
    assert v["full build <= 12 min"] == "MISS"            # 1000 s > 720 s
    assert v["incremental day <= 5% of the full build"] == "pass"  # at most: 5% passes
    assert v["late-rows day <= 10% of the full build"] == "MISS"
    assert "incremental day <= 10% of the full build" not in v  # M's target
    assert v["overhead ratio (loading) <= 2"] == "MISS"
    assert v["credit training on ~1M applications <= 3 min"] == "n/a"  # not measured
    m = scales.verdicts(_result("M", 700.0, incremental_ratio=0.05))
    assert m["incremental day <= 10% of the full build"] == "pass"
    assert "full build <= 12 min" not in m and "incremental day <= 5% of the full build" not in m


def test_doc_keeps_other_scales_and_replaces_the_new_one(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\nprofiles\n")
    report.refresh_doc(doc, _result("L", 800.0))
    report.refresh_doc(doc, _result("S", 60.0))
    report.refresh_doc(doc, _result("S", 50.0))
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n") and text.endswith("\n\nprofiles\n")
    assert "old" not in text
    kept = report.recorded(text)
    assert sorted(kept) == ["L", "S"] and kept["S"]["full_build_s"] == 50.0
    assert "| full build (`make run`), s | 50.0 | 800.0 |" in text
    assert "| overhead ratio (loading) <= 2 | MISS | MISS |" in text
    svg = (tmp_path / report.CHART).read_text()
    assert svg.startswith("<svg") and svg.count("<rect") == 4 + 2  # 2 bars x 2 families + legend
    assert json.loads(json.dumps(kept))  # the recorded block is plain JSON


def test_a_run_on_a_reused_landing_zone_says_so_beside_its_commit():
    """Without simulator figures the run reused an earlier landing zone (read cold): its loading
    is not comparable with a run that has just written the files, and the line says so."""
    text = report.render({"S": _result("S", 60.0, simulator_s=6.0), "L": _result("L", 800.0)})
    s_line, l_line = (next(line for line in text.splitlines() if line.startswith(f"- **{s}**"))
                      for s in ("S", "L"))
    assert l_line.endswith(report.REUSED_LANDING)
    assert "reused" not in s_line
