"""Operations on the shared platform run: the platform's own checks, and what the UI shows.

Reconciliation: money in raw = money in the marts on the simulated portfolio. Row-count anomaly:
evaluated for every raw source by the ingestion run. dbt materializations carry row counts and
the column schema read from the warehouse.
"""

import dagster as dg
import pytest

from lending.contract import load_contract
from lending.quality import (
    reconcile_disbursed_principal,
    reconcile_repaid_charges,
    reconcile_repaid_principal,
)
from orchestration.assets.checks import ROW_COUNT_CHECK

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("reconcile", [reconcile_disbursed_principal, reconcile_repaid_principal,
                                       reconcile_repaid_charges])
def test_money_in_raw_is_money_in_the_marts(con, reconcile):
    result = reconcile(con)
    assert result.raw > 0 and result.passed, result


def test_the_build_ran_the_reconciliation_checks_and_they_passed(pipeline):
    build = pipeline["first"][1]
    evaluations = {e.check_name: e for e in build.get_asset_check_evaluations()}
    for name in ("disbursed_principal_reconciles", "repaid_principal_reconciles",
                 "repaid_charges_reconcile"):
        assert evaluations[name].passed, evaluations[name].metadata


def test_every_raw_source_got_a_row_count_anomaly_check(pipeline):
    ingest = pipeline["first"][0]
    checked = {e.asset_key for e in ingest.get_asset_check_evaluations()
               if e.check_name == ROW_COUNT_CHECK}
    assert checked == {dg.AssetKey(["raw", s]) for s in load_contract().sources}


def test_dbt_materializations_carry_row_count_and_column_schema(pipeline, con):
    build = pipeline["first"][1]
    key = dg.AssetKey(["marts", "mart_portfolio_monthly"])
    (event,) = [m for m in build.get_asset_materialization_events()
                if m.asset_key == key]
    metadata = event.materialization.metadata
    (rows,) = con.execute("select count(*) from marts.mart_portfolio_monthly").fetchone()
    assert metadata["dagster/row_count"].value == rows > 0
    columns = [c.name for c in metadata["dagster/column_schema"].value.columns]
    assert columns[:1] == ["month_end_date"] and "npl_ratio" in columns
