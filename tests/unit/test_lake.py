"""export_raw_to_parquet: the raw tables reach the Parquet lake unchanged, re-runs replace;
export_inputs_to_parquet: raw and reference together."""

import datetime as dt
import decimal
from types import SimpleNamespace

import pytest

from lending.lake import PARQUET_FILE, export_inputs_to_parquet, export_raw_to_parquet


@pytest.fixture
def raw(con):
    con.execute("create schema raw")
    con.execute(
        "create table raw.loans (loan_id varchar, principal decimal(18,2), "
        "disbursed_at timestamptz, _partition_date date)")
    con.execute(
        "insert into raw.loans values ('L1', 1000.50, '2025-03-01 23:30:00+08:00', '2025-03-01'), "
        "('L2', 20.00, null, '2025-03-02')")
    con.execute("create table raw.users (user_id varchar)")
    return con


def test_tables_round_trip_with_types_and_instants(raw, tmp_path):
    counts = export_raw_to_parquet(raw, tmp_path)
    assert counts == {"loans": 2, "users": 0}
    rows = raw.execute(
        f"select loan_id, principal, disbursed_at, _partition_date "
        f"from read_parquet('{tmp_path / 'raw' / 'loans' / PARQUET_FILE}') order by loan_id"
    ).fetchall()
    assert rows[0][:2] == ("L1", decimal.Decimal("1000.50"))
    assert rows[0][2].astimezone(dt.UTC) == dt.datetime(2025, 3, 1, 15, 30, tzinfo=dt.UTC)
    assert rows[0][3] == dt.date(2025, 3, 1)
    assert rows[1][2] is None


def test_rerun_replaces_instead_of_appending(raw, tmp_path):
    export_raw_to_parquet(raw, tmp_path, tables=["loans"])
    raw.execute("delete from raw.loans where loan_id = 'L2'")
    assert export_raw_to_parquet(raw, tmp_path, tables=["loans"]) == {"loans": 1}
    folder = tmp_path / "raw" / "loans"
    (count,) = raw.execute(f"select count(*) from read_parquet('{folder}/*.parquet')").fetchone()
    assert count == 1
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["loans"]  # no temp leftovers


def test_unknown_table_is_an_error_naming_it(raw, tmp_path):
    with pytest.raises(ValueError, match=r"raw\.repayments"):
        export_raw_to_parquet(raw, tmp_path, tables=["loans", "repayments"])
    assert not (tmp_path / "raw" / "loans").exists()  # checked before anything is written


def test_inputs_export_writes_raw_and_reference(raw, tmp_path):
    """Everything the landing contract loads reaches the lake: its raw sources and its reference
    tables (here a contract with one of each)."""
    raw.execute("create schema reference")
    raw.execute("create table reference.channels as select 'app_store' as channel")
    raw.execute("create table raw.load_log as select 'loans' as source")  # read by dbt on Spark
    contract = SimpleNamespace(sources={"loans": None}, reference={"channels": None})
    counts = export_inputs_to_parquet(raw, tmp_path, contract)
    assert counts == {"raw": {"loans": 2, "load_log": 1}, "reference": {"channels": 1}}
    (channel,) = raw.execute(
        f"select channel from read_parquet('{tmp_path / 'reference' / 'channels' / PARQUET_FILE}')"
    ).fetchone()
    assert channel == "app_store"
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["load_log", "loans"]
