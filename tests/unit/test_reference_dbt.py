"""dbt tests the code columns against the same reference tables ingestion used.

A tiny warehouse: a lender's exports with its own channels, terms and event types, loaded after
adding those codes to a copy of the reference folder. `dbt build` of staging (and the acquisition
model) passes, with a relationships test per code column; a code that reaches raw without being in
the reference (written past ingestion) fails the dbt test.
"""

import json
import shutil
from pathlib import Path

import pytest

from lending.contract import load_contract
from lending.dbt import run_dbt
from lending.ingestion.load import load_days
from lending.reference import load_reference
from lending.settings import REPO_ROOT, Settings
from tests.unit.test_reference import LENDER_SOURCES, append, lender_landing

CONTRACT = load_contract()
def settings_of(warehouse: Path) -> Settings:
    return Settings.from_env({"LENDING_DATA_DIR": str(warehouse.parent),
                              "LENDING_WAREHOUSE_PATH": str(warehouse)})


def dbt(args: list[str], warehouse: Path, target: Path) -> dict[str, str]:
    """Run dbt on ``warehouse``; return test name -> status from run_results.json."""
    run_dbt([*args, "--log-path", str(target)], settings_of(warehouse), target,
            capture_output=True, text=True, check=False)
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"]: r["status"] for r in results}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    import datetime as dt

    root = tmp_path_factory.mktemp("ref_dbt")
    day = dt.date(2025, 3, 1)
    ref_dir = root / "reference"
    shutil.copytree(REPO_ROOT / "reference", ref_dir)
    append(ref_dir / "channels.csv", "douyin,social,true,", "wechat_moments,social,true,")
    append(ref_dir / "loan_terms.csv", "18,", "36,", "48,")
    append(ref_dir / "event_types.csv", "mini_program_open,")
    append(ref_dir / "repayment_methods.csv", "balloon,")
    lender_landing(root / "landing", day)
    path = root / "wh.duckdb"
    with settings_of(path).warehouse().connect() as con:
        load_reference(con, ref_dir)
        for source in LENDER_SOURCES:
            [result] = load_days(con, root / "landing", CONTRACT[source], [day])
            assert result.rows_quarantined == 0, source
    return path, root / "target"


def test_dbt_accepts_the_lenders_codes_and_rejects_one_outside_the_reference(warehouse):
    path, target = warehouse
    statuses = dbt(["build", "--select", "path:models/staging", "int_user_acquisition",
                    "--exclude", "test_type:unit", "--indirect-selection", "cautious"],
                   path, target)
    # every code column is tested against its reference table, in raw and in staging
    for source in CONTRACT.sources.values():
        for col in (c for c in source.columns if c.reference):
            table = col.reference.split(".")[0]
            for test in (f"relationships_stg_{source.name}_{col.name}__{col.name}__ref_stg_ref_"
                         f"{table}_", f"source_relationships_raw_{source.name}_{col.name}__"):
                assert [v for k, v in statuses.items() if f".{test}" in k] == ["pass"], test
    assert [v for k, v in statuses.items() if ".relationships_int_user_acquisition_"
            "acquisition_channel__channel__ref_stg_ref_channels_" in k] == ["pass"]
    # (orphan user ids only warn: this tiny landing has no users export)
    assert [k for k, v in statuses.items() if v not in ("success", "pass", "warn")] == []
    with settings_of(path).warehouse().connect() as con:
        assert con.execute("select channel_group, is_paid from staging.stg_ref_channels "
                           "where channel = 'douyin'").fetchone() == ("social", True)
        # a code written past ingestion (not in reference.channels) ...
        con.execute("insert into raw.marketing_spend select * replace ('kuaishou' as channel) "
                    "from raw.marketing_spend limit 1")
    # (staging is a table, and a row written past ingestion is not in the load log: rebuild it)
    dbt(["run", "--full-refresh", "--select", "stg_marketing_spend"], path, target)
    statuses = dbt(["test", "--select", "stg_marketing_spend"], path, target)
    failed = [k for k, v in statuses.items() if v == "fail"]
    # ... fails the relationships test on the channel, and only that test
    assert len(failed) == 1 and "relationships_stg_marketing_spend_channel" in failed[0]
