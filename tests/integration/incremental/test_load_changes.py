"""Hand-built cases of the change summary (ops_load_changes) and the windows it gives.

A landing of a few hand-written rows goes through the ingestion functions, then dbt builds
ops_load_changes and two staging models; the expected dates are worked out by hand from the
definitions in docs/incremental.md (dbt unit tests cannot do this: they do not see the graph, where
the natural keys come from).

First delivery: spend 03-01 (dated 03-01), spend 03-02 (a 02-25 row restated + 03-02), touches
03-03 (T3 dated 03-03). Then: spend 03-01 re-delivered empty; touches 03-04 bring a new version of
T3 dated 03-04 and a late touch T4 dated 01-15; touches 03-05 are missing (no folder).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from lending.contract import load_contract
from lending.ingestion.load import load_days
from tests.conftest import write_day
from tests.integration.incremental.runs import Runs
from tools.harness.build import Dataset

SPEND_HEADER = "spend_date,channel,campaign_id,impressions,clicks,spend_cny\n"


def _touch(touch_id: str, at: str) -> str:
    return json.dumps({"touch_id": touch_id, "visitor_id": "V1", "user_id": None,
                       "channel": "app_store", "campaign_id": "c1", "touch_type": "click",
                       "touched_at": at}) + "\n"


def _load(warehouse, landing, source, day):
    with duckdb.connect(str(warehouse)) as con:
        return load_days(con, landing, load_contract().sources[source], [dt.date.fromisoformat(day)])


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    root = tmp_path_factory.mktemp("load_changes")
    data = Dataset(root, root / "landing", root / "warehouse.duckdb", root / "lake", root / "spark")
    landing = data.landing
    write_day(landing, "marketing_spend", "2025-03-01",
              SPEND_HEADER + "2025-03-01,app_store,c1,10,1,1.00\n", "csv")
    write_day(landing, "marketing_spend", "2025-03-02",
              SPEND_HEADER + "2025-02-25,app_store,c1,10,1,2.00\n2025-03-02,app_store,c1,10,1,1.00\n",
              "csv")
    write_day(landing, "touchpoints", "2025-03-03", _touch("T3", "2025-03-03T10:00:00+08:00"), "jsonl")
    for source, day in (("marketing_spend", "2025-03-01"), ("marketing_spend", "2025-03-02"),
                        ("touchpoints", "2025-03-03")):
        _load(data.warehouse, landing, source, day)
    runs = Runs(data, "duckdb", select=("--select", "ops_load_changes", "stg_marketing_spend",
                                        "stg_touchpoints"))
    runs.build()
    first = _rows(data.warehouse)

    write_day(landing, "marketing_spend", "2025-03-01", SPEND_HEADER, "csv")  # re-delivered empty
    write_day(landing, "touchpoints", "2025-03-04",
              _touch("T3", "2025-03-04T10:00:00+08:00") + _touch("T4", "2025-01-15T10:00:00+08:00"),
              "jsonl")
    _load(data.warehouse, landing, "marketing_spend", "2025-03-01")
    _load(data.warehouse, landing, "touchpoints", "2025-03-04")
    [missing] = _load(data.warehouse, landing, "touchpoints", "2025-03-05")
    runs.build()
    yield {"first": first, "second": _rows(data.warehouse), "runs": runs, "missing": missing,
           "data": data}
    shutil.rmtree(root, ignore_errors=True)


def _rows(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """select source, cast(export_day as varchar), cast(rows_from as varchar),
                      cast(replaced_from as varchar), cast(affected_from as varchar), summary_batch
               from ops.ops_load_changes order by summary_batch, source, export_day""").fetchall()


def test_the_first_run_summarises_every_loaded_day(summary):
    assert summary["first"] == [
        ("marketing_spend", "2025-03-01", "2025-03-01", None, "2025-03-01", 1),
        ("marketing_spend", "2025-03-02", "2025-02-25", None, "2025-02-25", 1),
        ("touchpoints", "2025-03-03", "2025-03-03", None, "2025-03-03", 1),
    ]


def test_a_removed_day_is_dated_by_what_it_removed_and_a_corrected_row_by_its_older_version(summary):
    assert summary["missing"].status == "missing"
    assert summary["second"][3:] == [
        # removed: the row of the previous summary of 03-01 (its key has no other version; the
        # restated 02-25 row of 03-02 is another key) and no spend summarised since
        ("marketing_spend", "2025-03-01", None, "2025-03-01", "2025-03-01", 2),
        # T3's older version (03-03), T3 new (03-04), late T4 (01-15); the missing day: no row
        ("touchpoints", "2025-03-04", "2025-01-15", None, "2025-01-15", 2),
    ]


def test_the_windows_follow_the_summary(summary):
    windows = summary["runs"].windows
    assert windows[0]["stg_marketing_spend"] == "full"
    assert windows[1]["stg_marketing_spend"] == "2025-03-01"
    assert windows[1]["stg_touchpoints"] == "2025-01-15"
    with duckdb.connect(str(summary["data"].warehouse), read_only=True) as con:
        spend = con.execute("select cast(spend_date as varchar), spend_cny from "
                            "staging.stg_marketing_spend order by 1").fetchall()
        touches = con.execute("select touch_id, cast(touched_date as varchar) from "
                              "staging.stg_touchpoints order by 1").fetchall()
    assert [(d, float(v)) for d, v in spend] == [("2025-02-25", 2.0), ("2025-03-02", 1.0)]  # 03-01 gone
    assert touches == [("T3", "2025-03-04"), ("T4", "2025-01-15")]
