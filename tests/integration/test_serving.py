"""Serving for analysts and BI tools, on the session-wide pipeline: the snapshot through
SQLAlchemy (duckdb-engine, what Superset-style BI tools use), the Parquet files, the metadata."""

import json
import os

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from lending.serving import PARQUET_SCHEMAS, PARQUET_VERSION_KEY, PUBLISHED_SCHEMAS

pytestmark = pytest.mark.integration


def warehouse_tables(con, schemas) -> dict[str, int]:
    """schema.table -> rows of every table and view of ``schemas`` in the warehouse."""
    relations = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in (select unnest(?::varchar[]))", [list(schemas)]).fetchall()
    return {f"{s}.{n}": con.execute(f'select count(*) from "{s}"."{n}"').fetchone()[0]
            for s, n in relations}


def test_a_bi_tool_lists_the_marts_and_reads_one_through_sqlalchemy(pipeline, con):
    path = pipeline["settings"].serving_dir / "lending.duckdb"
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True},
                              poolclass=sa.pool.NullPool)
    try:
        inspector = sa.inspect(engine)
        marts = set(inspector.get_table_names(schema="marts"))
        with engine.connect() as connection:
            columns = list(connection.execute(sa.text(
                "select * from marts.mart_portfolio_monthly limit 0")).keys())
            rows = connection.execute(sa.text(
                "select month_end_date, active_loans from marts.mart_portfolio_monthly "
                "order by month_end_date")).all()
    finally:
        engine.dispose()
    built = {n for (n,) in con.execute("select table_name from information_schema.tables "
                                       "where table_schema = 'marts'").fetchall()}
    assert marts == built and "mart_portfolio_monthly" in marts
    assert "npl_ratio" in columns
    assert rows == con.execute("select month_end_date, active_loans from "
                               "marts.mart_portfolio_monthly order by month_end_date").fetchall()
    assert len(rows) >= 3  # three simulated months


def test_every_mart_and_score_table_has_a_parquet_file_with_its_rows(pipeline, con):
    serving = pipeline["settings"].serving_dir
    expected = warehouse_tables(con, PARQUET_SCHEMAS)
    version_dir = os.path.realpath(serving / "current")
    manifest = json.loads((serving / "current" / "manifest.json").read_text())
    found = {}
    for path in (serving / "parquet").rglob("*.parquet"):
        relation = f"{path.parent.name}.{path.stem}"
        meta = pq.read_metadata(path)
        found[relation] = meta.num_rows
        stamp = meta.metadata[PARQUET_VERSION_KEY.encode()].decode()
        assert stamp == manifest["parquet_written_in"][relation]  # the version that wrote it
    assert found == expected
    assert {k for k in expected if k.startswith("ml.")} == {
        k for k in warehouse_tables(con, ("ml",))}  # scores (whatever exists) are served too
    assert manifest["version_id"] == os.path.basename(version_dir)
    # Parquet holds the same values as the warehouse, not only the same number of rows.
    for relation in expected:
        schema, name = relation.split(".")
        parquet = f"read_parquet('{serving / 'parquet' / schema / name}.parquet')"
        warehouse = f'"{schema}"."{name}"'
        for a, b in ((parquet, warehouse), (warehouse, parquet)):
            (differ,) = con.execute(
                f"select count(*) from (select * from {a} except all select * from {b})"
            ).fetchone()
            assert differ == 0, (relation, a)


def test_the_materialization_names_paths_tables_and_row_counts(pipeline, con):
    settings = pipeline["settings"]
    publish = pipeline["second"][2]  # [ingest, build, publish]
    assert publish.success, [str(e.event_specific_data.error)[:2000]
                             for e in publish.get_step_failure_events()]
    events = [e for e in publish.get_asset_materialization_events()
              if e.asset_key.path == ["serving", "warehouse_snapshot"]]
    assert len(events) == 1
    meta = {k: v.value for k, v in events[0].materialization.metadata.items()}
    assert meta["path"] == f"{settings.serving_dir}/lending.duckdb"
    assert meta["parquet_dir"] == f"{settings.serving_dir}/parquet"
    assert meta["row_counts"] == warehouse_tables(con, PUBLISHED_SCHEMAS)
    assert meta["tables"] == len(meta["row_counts"])
    assert meta["parquet_files"] == len(warehouse_tables(con, PARQUET_SCHEMAS))
    assert os.path.realpath(settings.serving_dir / "current") == meta["version_dir"]
