"""The same dbt project on DuckDB and on a local Spark session gives the same warehouse.

One module-scoped fixture generates the small dataset of tests/integration, loads it into DuckDB,
exports raw.* to the Parquet lake, and runs `dbt build` (every model, data test and unit test) on
both targets. Then: every relation has the same row count on both engines, and the figures listed
in tests/spark/figures.py agree row by row. Run with `make test-spark` (marker `spark`, excluded
from the default `make test`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import math

import duckdb
import pandas as pd
import pytest

from tests.spark.figures import FIGURES, Figures
from tools.harness.build import (
    build_warehouse,
    make_dataset,
    project_nodes,
    read_duckdb,
    read_spark,
    spark_session,
)

pytestmark = pytest.mark.spark
SCHEMAS = ("reference", "staging", "intermediate", "marts", "attribution_py", "ml")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    data = make_dataset(tmp_path_factory.mktemp("engines"))
    duck = build_warehouse(data, "duckdb")
    spark = build_warehouse(data, "spark")
    yield {"data": data, "duckdb": duck, "spark": spark}
    session = spark_session()
    if session is not None:
        session.stop()


def _normalise(value):
    """One comparable Python value per cell, whichever engine and driver produced it."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        # DuckDB returns aware datetimes, pyspark naive ones in the process's local zone: both
        # are read as instants (astimezone treats naive values as local time, as pyspark does).
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple]:
    return [tuple(_normalise(v) for v in row) for row in frame[list(columns)].itertuples(index=False)]


def _differs(a, b, tolerance: float) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(a - b) > tolerance * max(1.0, abs(a), abs(b))  # see tests/spark/figures.py
    return a != b


def test_spark_builds_every_model_and_runs_every_test(builds):
    duck, spark = builds["duckdb"], builds["spark"]
    assert set(spark) == set(duck)  # same models, seeds, data tests and unit tests
    # ... and the two invocations around the Python step left no node out
    built = {uid for uid in spark if not uid.startswith(("operation.", "exposure."))}  # hooks
    assert built == project_nodes(builds["data"], "spark")
    kinds = {uid.split(".")[0] for uid in spark}
    assert {"model", "test", "unit_test", "seed"} <= kinds
    # warn: a warn-severity test (KPI plan checks) warned, on both engines alike
    assert {s for s in spark.values()} <= {"pass", "success", "warn", "no-op"}
    assert spark == duck


def test_every_relation_has_the_same_row_count(builds):
    data = builds["data"]
    with duckdb.connect(str(data.warehouse), read_only=True) as con:
        relations = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_schema in {SCHEMAS} order by 1").fetchall()
        duck = {r: con.execute(f"select count(*) from {r}").fetchone()[0] for (r,) in relations}
    session = spark_session()
    spark = {r: session.sql(f"select count(*) from {r}").collect()[0][0] for r in duck}
    assert len(duck) >= 30 and sum(duck.values()) > 0
    assert spark == duck


@pytest.mark.parametrize("spec", FIGURES, ids=[f.relation for f in FIGURES])
def test_figures_match(builds, spec: Figures):
    duck = read_duckdb(builds["data"], spec.relation)
    spark = read_spark(spec.relation)
    assert len(duck) > 0, f"{spec.relation} is empty: nothing compared"
    assert len(spark) == len(duck)
    columns = spec.keys + spec.figures
    duck_rows = {r[: len(spec.keys)]: r for r in _rows(duck, columns)}
    spark_rows = {r[: len(spec.keys)]: r for r in _rows(spark, columns)}
    assert len(duck_rows) == len(duck), f"{spec.relation}: keys {spec.keys} are not unique"
    assert set(spark_rows) == set(duck_rows)
    mismatches = [
        (key, column, d, s)
        for key, row in duck_rows.items()
        for column, d, s in zip(columns, row, spark_rows[key], strict=True)
        if _differs(d, s, spec.tolerance)
    ]
    assert mismatches[:10] == []


def test_pii_hash_is_hmac_sha256_of_the_normalised_value(builds):
    """Hand check of the definition: Python's hmac over the raw name equals the warehouse hash
    (and, by test_figures_match[staging.stg_users], Spark's)."""
    with duckdb.connect(str(builds["data"].warehouse), read_only=True) as con:
        pairs = con.execute(
            """select s.full_name_hash, min(r.full_name)
               from staging.stg_users s join raw.users r using (user_id)
               group by s.user_id, s.full_name_hash
               having count(distinct r.full_name) = 1""").fetchall()
    assert len(pairs) > 100
    key = builds["data"].settings.pii_key.encode()  # the key its dbt runs were given
    expected = [
        hmac.new(key, name.strip(" ").lower().encode(), hashlib.sha256).hexdigest()
        for _, name in pairs
    ]
    assert [h for h, _ in pairs] == expected
