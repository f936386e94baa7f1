"""The run summary's warning for dated seeds applied backwards names the months and the file."""

import json

import duckdb

from lending.seed_report import seed_backfill_warnings


def _manifest(tmp_path):
    path = tmp_path / "dbt_project" / "target" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nodes": {
        "seed.lending.finance_funding_rates": {
            "resource_type": "seed", "name": "finance_funding_rates",
            "original_file_path": "seeds/finance/finance_funding_rates.csv"},
        "model.lending.x": {"resource_type": "model", "name": "x", "original_file_path": "m.sql"},
    }}))
    return path


def test_warns_once_per_seed_with_the_span_and_the_file(tmp_path):
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("""create table intermediate.int_seed_backfills as select
        'finance_funding_rates' as seed_name, date '2024-01-01' as earliest_effective_month,
        date '2022-10-01' as backfilled_from_month, date '2023-12-01' as backfilled_to_month,
        15 as backfilled_months""")
    assert seed_backfill_warnings(con, _manifest(tmp_path)) == [
        "finance_funding_rates has no row before 2024-01; the 2024-01 value was used for "
        "2022-10..2023-12 - add rows to dbt_project/seeds/finance/finance_funding_rates.csv"]


def test_silent_when_covered_or_not_built(tmp_path):
    con = duckdb.connect()
    assert seed_backfill_warnings(con, _manifest(tmp_path)) == []  # not built yet
    con.execute("create schema intermediate")
    con.execute("""create table intermediate.int_seed_backfills (seed_name varchar,
        earliest_effective_month date, backfilled_from_month date, backfilled_to_month date,
        backfilled_months bigint)""")
    assert seed_backfill_warnings(con, _manifest(tmp_path)) == []
