"""Incremental builds on Spark equal a full rebuild (issue 20), with the same model SQL as DuckDB.

The sequences of tests/incremental/sequences.py that exercise what differs on Spark, where a window
is replaced by dropping its partitions and appending the batch: the base build, then one incremental
build after a re-delivered day that empties a date partition (and reverts an application to its
older version, drops a repayment, moves a touch) and a new day with late rows dated 30 and 90 days
back and corrected rows, then a repayment dated in the earliest loan's first month (three builds: a
Spark build of these models costs a minute or two here). Every relation built on Spark (SELECT: the
incremental models downstream of staging and their inputs (int_risk_loan_month_end: the month
partitions and the attribute comparison of its also_from; the collection actions and loan-days),
the spend and application staging models)
is compared row by row with a full rebuild of the same raw tables on DuckDB: the engines are equal
on full builds (test_engine_parity), so this is the incremental result against the full one. Doubles
to FLOAT_TOLERANCE (tests/spark/figures.py), everything else exact.
"""

from __future__ import annotations

import pytest

from tests.integration.incremental import sequences as seq
from tests.integration.incremental.runs import Runs, full_rebuild, simulated
from tests.spark.figures import FLOAT_TOLERANCE
from tests.spark.test_engine_parity import _differs, _normalise
from tools.harness.build import read_duckdb, read_spark, spark_session

pytestmark = pytest.mark.spark
SELECT = ("--select", "+int_attribution_touchpoints", "+int_lifecycle_activity_days",
          "+int_risk_loan_month_end", "+int_risk_collection_loan_daily", "stg_marketing_spend",
          "stg_applications")


@pytest.fixture(scope="module")
def spark_sequence(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental_spark")
    data = simulated(root)
    runs = Runs(data, "spark", select=SELECT)
    seq.base(data.warehouse, data.landing, runs.build)
    results = {"redelivery": seq.redelivery(data.warehouse, data.landing, lambda **_: {})}
    results["late_and_corrected"] = seq.late_and_corrected(data.warehouse, data.landing, runs.build)
    results["late_payment"] = seq.late_payment(data.warehouse, data.landing, runs.build)
    full = full_rebuild(data, root / "full", everything=False)
    built = sorted(uid.split(".")[-1] for uid, status in runs.builds[-1].items()
                   if uid.startswith("model.") and status == "success"
                   and not uid.endswith("ops_load_changes"))
    session = spark_session()
    relations = {name: _relation(name) for name in built}
    yield {"data": data, "full": full, "runs": runs, "results": results, "relations": relations}
    if session is not None:
        session.stop()


def _relation(model: str) -> str:
    """schema.model of a built model, found in the Spark catalog."""
    session = spark_session()
    for schema in ("staging", "intermediate", "marts"):
        if session.catalog.tableExists(f"{schema}.{model}"):
            return f"{schema}.{model}"
    raise AssertionError(f"{model} is not in the Spark catalog")


def _sort_key(row: tuple) -> str:
    """Rows sort the same on both engines although doubles may differ in their last bits."""
    return repr(tuple(f"{v:.9g}" if isinstance(v, float) else v for v in row))


def _sorted_rows(frame):
    columns = sorted(frame.columns)
    rows = [tuple(_normalise(v) for v in row) for row in frame[columns].itertuples(index=False)]
    return sorted(rows, key=_sort_key), columns


def test_the_windows_were_incremental(spark_sequence):
    windows = spark_sequence["runs"].windows
    assert windows[0]["stg_touchpoints"] == "full"
    emptied = spark_sequence["results"]["redelivery"]["emptied_spend_day"]
    assert windows[1]["stg_marketing_spend"] == str(emptied)
    assert windows[1]["stg_touchpoints"] not in ("full", "nothing")
    assert set(spark_sequence["relations"]) >= {
        "stg_touchpoints", "stg_marketing_spend", "stg_applications", "int_attribution_touchpoints",
        "int_lifecycle_activity_days", "int_risk_loan_month_end", "int_risk_collection_loan_daily"}
    # the late repayment: the month partitions from its month on are replaced
    payment = spark_sequence["results"]["late_payment"]["late_payment"]
    (paid,) = spark_session().sql(
        f"select paid_date from staging.stg_repayments where payment_id = '{payment}'").collect()[0]
    assert windows[2]["int_risk_loan_month_end"] == str(paid.replace(day=1))


def test_an_emptied_date_leaves_no_partition(spark_sequence):
    emptied = str(spark_sequence["results"]["redelivery"]["emptied_spend_day"])
    partitions = [r[0] for r in spark_session().sql(
        "show partitions staging.stg_marketing_spend").collect()]
    assert f"spend_date={seq.day(-1)}" in partitions  # the listing holds dates
    assert f"spend_date={emptied}" not in partitions


def test_every_incremental_relation_equals_a_full_rebuild(spark_sequence):
    mismatched = {}
    for relation in spark_sequence["relations"].values():
        spark_rows, spark_cols = _sorted_rows(read_spark(relation))
        duck_rows, duck_cols = _sorted_rows(read_duckdb(spark_sequence["full"], relation))
        assert spark_cols == duck_cols, relation
        if len(spark_rows) != len(duck_rows) or any(
            _differs(a, b, FLOAT_TOLERANCE)
            for s_row, d_row in zip(spark_rows, duck_rows, strict=True)
            for a, b in zip(s_row, d_row, strict=True)
        ):
            mismatched[relation] = (len(spark_rows), len(duck_rows))
    assert len(spark_sequence["relations"]) >= 10
    assert mismatched == {}
