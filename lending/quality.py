"""Plain SQL behind the platform's asset checks (orchestration/assets/checks.py); no Dagster here.

Row-count anomaly (per raw source): the rows loaded for the newest export day against the median
of the daily counts of the ``ANOMALY_WINDOW_DAYS`` export days before it (days without rows count
as 0: a source that went silent is an anomaly too). The day is anomalous when its count is below
``ANOMALY_LOW`` x median or above ``ANOMALY_HIGH`` x median. Without history (no earlier day in
the window, or a median of 0) there is nothing to compare: the check passes and says so.

Reconciliation: money that enters in raw must come out in the marts, to the cent. The raw side
takes the newest exported version of every record (the same rule as staging, ``dedupe_latest``)
and is computed here independently of dbt.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

ANOMALY_WINDOW_DAYS = 14
ANOMALY_LOW = 0.5
ANOMALY_HIGH = 2.0
CENT = 0.005  # decimal(18,2) sums are exact: anything above half a cent is a real difference


@dataclass(frozen=True)
class RowCountAnomaly:
    day: str | None
    rows: int
    median: float | None
    history_days: int
    passed: bool
    message: str


def row_count_anomaly(con: duckdb.DuckDBPyConnection, table: str) -> RowCountAnomaly:
    """Newest export day of ``table`` (a raw table with ``_partition_date``) vs its 14-day median."""
    latest = con.execute(f"select max(_partition_date) from {table}").fetchone()[0]
    if latest is None:
        return RowCountAnomaly(None, 0, None, 0, True, f"{table} is empty: nothing to compare")
    rows, median, history = con.execute(
        f"""
        with days as (
            select cast(? as date) - cast(d.i as integer) as day
            from (select unnest(range(1, {ANOMALY_WINDOW_DAYS} + 1)) as i) as d
        ),
        counts as (
            select _partition_date as day, count(*) as n
            from {table}
            where _partition_date between cast(? as date) - {ANOMALY_WINDOW_DAYS} and cast(? as date)
            group by 1
        ),
        first_day as (select min(_partition_date) as day from {table})
        select
            (select coalesce(max(n), 0) from counts where day = cast(? as date)),
            median(coalesce(c.n, 0)),
            count(*)
        from days
        left join counts as c using (day)
        where days.day >= (select day from first_day)
        """,
        [latest, latest, latest, latest],
    ).fetchone()
    day = latest.isoformat()
    if not history:
        return RowCountAnomaly(day, rows, None, 0, True,
                               f"{day}: {rows} rows; no earlier export day in the last "
                               f"{ANOMALY_WINDOW_DAYS} days to compare with")
    if not median:
        return RowCountAnomaly(day, rows, 0.0, history, True,
                               f"{day}: {rows} rows; the median of the {history} days before "
                               "is 0: nothing to compare with")
    ratio = rows / median
    passed = ANOMALY_LOW <= ratio <= ANOMALY_HIGH
    verdict = "within" if passed else "outside"
    return RowCountAnomaly(day, rows, float(median), history, passed,
                           f"{day}: {rows} rows = {ratio:.2f} x the median {median:g} of the "
                           f"{history} days before ({verdict} {ANOMALY_LOW}..{ANOMALY_HIGH})")


@dataclass(frozen=True)
class Reconciliation:
    name: str
    raw: float
    mart: float

    @property
    def difference(self) -> float:
        return self.mart - self.raw

    @property
    def passed(self) -> bool:
        return abs(self.difference) <= CENT


def _newest(table: str, key: str, order: str) -> str:
    return f"""(select * from (
        select *, row_number() over (partition by {key} order by {order}) as _rn from {table}
    ) as ranked where _rn = 1)"""


LOAN_ORDER = "updated_at desc, _partition_date desc, _source_row desc, _source_file desc"
PAYMENT_ORDER = "_partition_date desc, _source_row desc, _source_file desc"


def reconcile_disbursed_principal(con: duckdb.DuckDBPyConnection) -> Reconciliation:
    """Principal of every loan in raw.loans (newest version) = cohort principal in mart_vintage."""
    (raw,) = con.execute(
        f"select coalesce(sum(principal), 0) from {_newest('raw.loans', 'loan_id', LOAN_ORDER)}"
    ).fetchone()
    (mart,) = con.execute(
        "select coalesce(sum(principal), 0) from marts.mart_vintage where months_on_book = 0"
    ).fetchone()
    return Reconciliation("disbursed principal", float(raw), float(mart))


def reconcile_repaid_principal(con: duckdb.DuckDBPyConnection) -> Reconciliation:
    """Principal of every payment in raw.repayments = principal_paid over mart_portfolio_monthly."""
    (raw,) = con.execute(
        "select coalesce(sum(principal_paid), 0) from "
        f"{_newest('raw.repayments', 'payment_id', PAYMENT_ORDER)}"
    ).fetchone()
    (mart,) = con.execute(
        "select coalesce(sum(principal_paid), 0) from marts.mart_portfolio_monthly"
    ).fetchone()
    return Reconciliation("repaid principal", float(raw), float(mart))


def reconcile_repaid_charges(con: duckdb.DuckDBPyConnection) -> Reconciliation:
    """Interest + fees + penalties of every payment in raw = their sum over mart_user_value."""
    (raw,) = con.execute(
        "select coalesce(sum(interest_paid + fee_paid + penalty_paid), 0) from "
        f"{_newest('raw.repayments', 'payment_id', PAYMENT_ORDER)}"
    ).fetchone()
    (mart,) = con.execute(
        "select coalesce(sum(interest_paid + fees_paid + penalties_paid), 0) "
        "from marts.mart_user_value"
    ).fetchone()
    return Reconciliation("repaid interest, fees and penalties", float(raw), float(mart))
