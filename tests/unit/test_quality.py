"""Row-count anomaly and reconciliation SQL on small hand-built DuckDB tables."""

import datetime as dt

import duckdb
import pytest

from lending.quality import (
    reconcile_disbursed_principal,
    reconcile_repaid_charges,
    reconcile_repaid_principal,
    row_count_anomaly,
)

D = dt.date(2025, 3, 20)


def raw_days(counts: dict[int, int]) -> duckdb.DuckDBPyConnection:
    """raw.users with `n` rows on export day D - offset, for each offset -> n."""
    con = duckdb.connect()
    con.execute("create schema raw; create table raw.users (user_id varchar, _partition_date date)")
    for offset, n in counts.items():
        con.execute("insert into raw.users select 'u' || i, ? from range(?) t(i)",
                    [D - dt.timedelta(days=offset), n])
    return con


def test_a_day_three_times_the_median_is_an_anomaly():
    result = row_count_anomaly(raw_days({3: 10, 2: 12, 1: 8, 0: 30}), "raw.users")
    assert (result.day, result.rows, result.median, result.history_days) == (D.isoformat(), 30, 10, 3)
    assert not result.passed and "3.00 x the median 10" in result.message


def test_a_day_near_the_median_passes_and_silent_days_count_as_zero():
    # D-2 has no rows: history 10, 0, 8 -> median 8; 9 / 8 = 1.125 is within 0.5..2
    result = row_count_anomaly(raw_days({3: 10, 1: 8, 0: 9}), "raw.users")
    assert (result.median, result.history_days, result.passed) == (8, 3, True)


def test_only_the_14_days_before_count():
    # day D-20 (100 rows) is outside the window; D-14 (4 rows) inside, days between are 0
    result = row_count_anomaly(raw_days({20: 100, 14: 4, 0: 1}), "raw.users")
    assert result.history_days == 14 and result.median == 0 and result.passed
    assert "median of the 14 days before is 0" in result.message


def test_a_first_day_without_history_passes_with_a_message():
    result = row_count_anomaly(raw_days({0: 5}), "raw.users")
    assert result.passed and result.history_days == 0 and "no earlier export day" in result.message


def test_an_empty_table_passes_with_a_message():
    result = row_count_anomaly(raw_days({}), "raw.users")
    assert result.passed and result.day is None and "empty" in result.message


@pytest.fixture
def money():
    con = duckdb.connect()
    con.execute("""
        create schema raw; create schema marts;
        create table raw.loans (loan_id varchar, principal decimal(18,2), updated_at timestamp,
            _partition_date date, _source_row bigint, _source_file varchar);
        insert into raw.loans values
            ('A', 1000, '2025-01-01 10:00', '2025-01-01', 1, 'f1'),
            ('A', 1200, '2025-01-02 10:00', '2025-01-02', 1, 'f2'),  -- newest version of A
            ('B',  500, '2025-01-02 11:00', '2025-01-02', 2, 'f2');
        create table marts.mart_vintage (disbursed_month date, months_on_book integer,
            principal decimal(18,2));
        insert into marts.mart_vintage values
            ('2025-01-01', 0, 1700), ('2025-01-01', 1, 1700);      -- MOB 1 repeats the cohort
        create table raw.repayments (payment_id varchar, principal_paid decimal(18,2),
            interest_paid decimal(18,2), fee_paid decimal(18,2), penalty_paid decimal(18,2),
            _partition_date date, _source_row bigint, _source_file varchar);
        insert into raw.repayments values
            ('p1', 100, 10, 1, 0, '2025-02-01', 1, 'r1'),
            ('p1',  90,  9, 1, 0, '2025-02-02', 1, 'r2'),          -- re-exported: this one wins
            ('p2',  50,  5, 0, 2, '2025-02-02', 2, 'r2');
        create table marts.mart_portfolio_monthly (month_end_date date, principal_paid decimal(18,2));
        insert into marts.mart_portfolio_monthly values ('2025-01-31', 0), ('2025-02-28', 140);
        create table marts.mart_user_value (user_id varchar, interest_paid decimal(18,2),
            fees_paid decimal(18,2), penalties_paid decimal(18,2));
        insert into marts.mart_user_value values ('u1', 9, 1, 0), ('u2', 5, 0, 2);
    """)
    return con


def test_reconciliations_pass_when_marts_hold_the_newest_versions(money):
    principal = reconcile_disbursed_principal(money)
    repaid = reconcile_repaid_principal(money)
    charges = reconcile_repaid_charges(money)
    assert (principal.raw, principal.mart, principal.passed) == (1700, 1700, True)
    assert (repaid.raw, repaid.mart, repaid.passed) == (140, 140, True)
    assert (charges.raw, charges.mart, charges.passed) == (17, 17, True)


def test_a_cent_missing_in_a_mart_fails_the_reconciliation(money):
    money.execute("update marts.mart_portfolio_monthly set principal_paid = 139.99 "
                  "where month_end_date = '2025-02-28'")
    money.execute("delete from marts.mart_vintage where months_on_book = 1")
    money.execute("update marts.mart_vintage set principal = 1200")  # loan B lost
    repaid, principal = reconcile_repaid_principal(money), reconcile_disbursed_principal(money)
    assert not repaid.passed and round(repaid.difference, 2) == -0.01
    assert not principal.passed and principal.difference == -500
