"""Issue 19: any lender's history builds, and one failing family does not take the warehouse down.

One small simulated lender whose exports start in 2021, years before every dated seed (funding
rates from 2024-01, ECL scenarios from 2025-01), goes through `make run` (orchestration.cli.run)
twice:

1. as delivered: every mart and the snapshot build, nothing is stale, the summary warns once per
   dated seed that its earliest row was applied backwards, the exit code is 0;
2. after a re-delivered export day adds 13 users linked in a chain (each shares a phone or an ID
   number with the next): fraud's label propagation needs 12 rounds, the project allows 10
   (var fraud_cluster_rounds), so the error-severity guard test assert_fraud_clusters_converged
   fails on int_fraud_user_clusters. Only the fraud family (that model and its two marts) is
   held back: every other family is rebuilt with the new users and published; the snapshot keeps
   the fraud tables of run 1 and lists them as stale; the exit code is 1 and the summary names the
   test, the rows at fault and the file to edit.
"""

import csv
import json
import subprocess
import sys

import duckdb
import pytest

from lending import build_stamp
from lending.dbt import ensure_manifest
from lending.serving import MANIFEST_NAME, SNAPSHOT_NAME, current_version_dir
from lending.settings import Settings
from orchestration import cli

CHAIN = 13  # users; the label of the first needs CHAIN - 1 = 12 rounds to reach the last
# the published tables of the fraud family (its intermediate models are not served)
FRAUD_TABLES = {"marts.mart_fraud_clusters", "marts.mart_fraud_application_signals"}
USERS = "marts.dim_users"  # one row per user, outside the fraud family


def chain_rows(template: dict) -> list[dict]:
    """Users U99000001.. where user i and i+1 share a phone (i odd) or an ID number (i even)."""
    rows = []
    for i in range(1, CHAIN + 1):
        phone_of, id_of = (i + 1) // 2 * 2 - 1, i // 2 * 2  # pairs (1,2),(3,4).. / (2,3),(4,5)..
        rows.append({**template, "user_id": f"U99{i:06d}", "visitor_id": f"V99{i:07d}",
                     "phone": f"1990000{phone_of:04d}", "id_number": f"11010119900101{id_of:04d}"})
    return rows


def snapshot(settings: Settings) -> tuple[dict, duckdb.DuckDBPyConnection]:
    folder = current_version_dir(settings.serving_dir)
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    return manifest, duckdb.connect(str(folder / SNAPSHOT_NAME), read_only=True)


def count(con, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


@pytest.fixture(scope="module")
def lender(tmp_path_factory):
    root = tmp_path_factory.mktemp("early_lender")
    settings = Settings.from_env({"LENDING_DATA_DIR": str(root),
                                  "LENDING_START_DATE": "2021-01-01"})
    subprocess.run(
        [sys.executable, "-m", "simulator", "--out", str(settings.landing_dir), "--seed", "11",
         "--start", "2021-01-01", "--months", "2", "--scale", "150", "--no-progress"],
        check=True, stdout=subprocess.DEVNULL)
    ensure_manifest(settings)
    return settings


@pytest.fixture(scope="module")
def first(lender):
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        code = cli.run(lender)
    manifest, con = snapshot(lender)
    counts = {r: count(con, r) for r in [USERS, *FRAUD_TABLES]}
    con.close()
    return {"code": code, "out": out.getvalue(), "manifest": manifest, "counts": counts,
            "stamp": build_stamp.read(lender)}


@pytest.fixture(scope="module")
def second(lender, first):
    from contextlib import redirect_stdout
    from io import StringIO

    day = sorted((lender.landing_dir / "users").glob("dt=*"))[-1] / "users.csv"
    with day.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, template = reader.fieldnames, next(reader)
    with day.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=fields).writerows(chain_rows(template))
    out = StringIO()
    with redirect_stdout(out):
        code = cli.run(lender)
    manifest, con = snapshot(lender)
    counts = {r: count(con, r) for r in [USERS, *FRAUD_TABLES]}
    con.close()
    return {"code": code, "out": out.getvalue(), "manifest": manifest, "counts": counts,
            "stamp": build_stamp.read(lender)}


def test_history_before_every_dated_seed_builds_every_mart_and_the_snapshot(lender, first):
    assert first["code"] == 0, first["out"]
    manifest = json.loads(ensure_manifest(lender).read_text(encoding="utf-8"))
    marts = {f"marts.{n['name']}" for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["schema"].endswith("marts")
             and n["config"]["materialized"] != "ephemeral"}
    assert marts and marts <= set(first["manifest"]["row_counts"])
    assert first["manifest"]["stale_tables"] == {}
    out = first["out"]
    assert ("finance_funding_rates has no row before 2024-01; the 2024-01 value was used for "
            "2021-01..2021-02 - add rows to dbt_project/seeds/finance/finance_funding_rates.csv"
            ) in out
    assert "ecl_macro_scenarios has no row before 2025-01" in out
    assert "Failed in the warehouse build" not in out
    assert first["stamp"] is not None  # a clean build: the next run may skip it


def test_a_failing_family_leaves_the_others_built_and_published(first, second):
    assert second["code"] == 1
    assert "Building the warehouse" in second["out"]  # a re-delivered day: never skipped
    assert second["stamp"] is None  # a failed test: the next run builds again
    # the other families were rebuilt with the 13 new users and published
    assert second["counts"][USERS] == first["counts"][USERS] + CHAIN
    # the fraud tables keep run 1's data, listed as stale with the failed test as the reason
    stale = second["manifest"]["stale_tables"]
    assert set(stale) == FRAUD_TABLES
    for relation in FRAUD_TABLES:
        assert stale[relation]["data_version"] == first["manifest"]["version_id"]
        # the failed test is on int_fraud_user_clusters, upstream of both marts
        assert stale[relation]["reason"].startswith("upstream test assert_fraud_clusters_converged")
        assert second["counts"][relation] == first["counts"][relation]


def test_the_summary_names_the_failed_test_its_rows_and_the_file(second):
    out = second["out"]
    assert "Failed in the warehouse build (1;" in out
    # one edge per chain user whose label is not the chain's: users 12 and 13 lag 1 and 2 rounds
    assert "test assert_fraud_clusters_converged failed on" in out
    assert "(asset intermediate/int_fraud_user_clusters)" in out
    assert "edit: dbt_project/tests/fraud/assert_fraud_clusters_converged.sql" in out
    assert '"user_id": "U99' in out  # sample rows at fault
