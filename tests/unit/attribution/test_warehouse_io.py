"""run_data_driven_attribution against a bare DuckDB: aggregates, writes typed tables, re-runs;
export_data_driven_attribution (the Spark route) writes the same tables to the lake."""

import duckdb
import pytest

from lending.lake import PARQUET_FILE
from ml.attribution.warehouse import (
    AGGREGATE_SQL,
    SCHEMA,
    TABLES,
    export_data_driven_attribution,
    run_data_driven_attribution,
)


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("create schema marts")
    # The toy as journeys: A > B converts twice (aggregated into one path row),
    # A converts, B and A > C do not.
    con.execute("""
        create table marts.fct_conversion_paths as
        select * from (values
            ('user:1', 'registration', 'A > B', true),
            ('user:2', 'registration', 'A > B', true),
            ('user:3', 'registration', 'A', true),
            ('visitor:4', 'registration', 'B', false),
            ('visitor:5', 'registration', 'A > C', false)
        ) as t(journey_id, conversion_type, path, converted)""")
    yield con
    con.close()


def test_writes_results_and_reruns_identically(warehouse):
    counts = run_data_driven_attribution(warehouse)
    assert counts["distinct_paths"] == 4 and counts["journeys"] == 5
    first = warehouse.execute(
        f"select channel, credit from {SCHEMA}.markov_removal_effects order by channel").fetchall()
    run_data_driven_attribution(warehouse)
    again = warehouse.execute(
        f"select channel, credit from {SCHEMA}.markov_removal_effects order by channel").fetchall()
    assert first == again
    assert sum(c for _, c in first) == pytest.approx(3.0, abs=1e-9)
    (types,) = warehouse.execute(
        f"select list(data_type order by column_name) from information_schema.columns "
        f"where table_schema = '{SCHEMA}' and table_name = 'path_weights'").fetchone()
    assert sorted(set(types)) == ["DOUBLE", "VARCHAR"]
    weights = warehouse.execute(
        f"select path, sum(weight) from {SCHEMA}.path_weights group by model, path").fetchall()
    assert sorted(p for p, _ in weights) == ["A", "A", "A > B", "A > B"]
    assert all(w == pytest.approx(1.0) for _, w in weights)


def test_lake_export_holds_the_same_tables_as_the_warehouse(warehouse, tmp_path):
    """The Spark route (paths read from another engine, tables to the lake) writes exactly what
    the DuckDB route writes into the warehouse: same tables, rows and column types."""
    aggregated = warehouse.execute(AGGREGATE_SQL).df()
    lake = tmp_path / "lake"
    exported = export_data_driven_attribution(aggregated, lake)
    counts = run_data_driven_attribution(warehouse)
    assert exported == counts
    for table in TABLES:
        file = lake / SCHEMA / table / PARQUET_FILE
        in_lake = warehouse.execute(f"select * from read_parquet('{file}') order by all")
        lake_types = [d[1] for d in in_lake.description]
        lake_rows = in_lake.fetchall()
        in_warehouse = warehouse.execute(f"select * from {SCHEMA}.{table} order by all")
        assert [d[1] for d in in_warehouse.description] == lake_types
        assert in_warehouse.fetchall() == lake_rows
        assert len(lake_rows) == counts[table] > 0
