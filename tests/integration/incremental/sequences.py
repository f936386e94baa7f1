"""Sequences of deliveries after which incremental dbt builds must equal a full rebuild.

One simulated landing (the small dataset of tests/integration: 2025-01..03, 300 users a month) is
delivered the way a lender's exports arrive. Each step changes the landing and/or loads export
days with the plain ingestion functions, then builds with dbt (no Dagster needed); at checkpoints
the caller compares every relation with a full rebuild from the same raw tables.

Steps (``STEPS``, in order; an engine may run a subset, each step only relies on the base):
  base              full build of every export day up to BASE_DAY
  in_order          the next two days, one build each
  out_of_order      BASE_DAY+4 delivered before BASE_DAY+3, one build each
  redelivery        re-delivered days: touchpoints of a day with half its rows dropped and one
                    touch moved two days back; the applications day holding a status update, without
                    it (the key's winner reverts to its older version); a marketing-spend day
                    re-delivered empty, one whose spend_date no other day restates (the date
                    disappears: on Spark, a partition that must not survive); one repayment
                    dropped
  late_and_corrected a new day carrying touches dated 30 and 90 days back, an app event dated 90
                    days back, a corrected touch (new version of a January touch, moved a day and
                    to another channel) and a corrected user (new city tier, newer updated_at);
                    and, in an extra file of an earlier export day, a collection action dated 45
                    days before its loan's disbursement (a faulty export)
  late_payment      the late day re-delivered with one more repayment, dated the day after the
                    earliest loan's disbursement (about 75 days back): the loan-month grid
                    recomputes from that month, not only the new day's
  gap               after more than a year without exports, a day with one repayment (GAP_DAYS
                    after the late day): the as-of date jumps over thirteen month-ends at once;
                    then the next day: its month's window needs a grid reaching back 12 months,
                    before which lies the first data (it enters as sums per user)
  reprocess         the range BASE_DAY-14 .. the last loaded day loaded again (make reprocess)
  failure           a new day while stg_app_events fails (a raw column it needs is renamed): it and
                    its descendants do not build; then the column is back, another day arrives,
                    and everything catches up
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import duckdb

from lending.contract import load_contract
from lending.ingestion.files import landing_days
from lending.ingestion.load import load_days
from tools.harness.landing_edits import edit_day, read_day, shift_timestamp, write_day

BASE_DAY = dt.date(2025, 3, 15)
REDELIVERED_TOUCH_DAY = dt.date(2025, 3, 10)
LATE_DAY = BASE_DAY + dt.timedelta(days=5)
# export day of the early collection action: before the reprocessed range, which reloads its loan
EARLY_ACTION_DAY = BASE_DAY - dt.timedelta(days=20)
GAP_DAYS = 400
BROKEN_COLUMN = ("app_events", "event_type")

STEPS = ("base", "in_order", "out_of_order", "redelivery", "late_and_corrected", "late_payment",
         "gap", "reprocess", "failure")

# build(expect_failure=False) -> {unique_id: status}: one dbt invocation over the warehouse's raw
# tables (on Spark, exported to the lake first); raises on a failed node unless expect_failure.
Build = Callable[..., dict[str, str]]


def day(offset: int) -> dt.date:
    return BASE_DAY + dt.timedelta(days=offset)


def load(warehouse: Path, landing: Path, days: Iterable[dt.date],
         sources: Iterable[str] | None = None) -> None:
    """Load export days (those present in the landing) of every source, or of ``sources``."""
    contract = load_contract()
    wanted = set(days)
    with duckdb.connect(str(warehouse)) as con:
        for name in sources or contract.sources:
            present = [d for d in landing_days(landing, name) if d in wanted]
            load_days(con, landing, contract.sources[name], present)


def base(warehouse: Path, landing: Path, build: Build) -> None:
    contract = load_contract()
    with duckdb.connect(str(warehouse)) as con:
        for source in contract.sources.values():
            days = [d for d in landing_days(landing, source.name) if d <= BASE_DAY]
            load_days(con, landing, source, days)
    build()


def in_order(warehouse: Path, landing: Path, build: Build) -> None:
    for offset in (1, 2):
        load(warehouse, landing, [day(offset)])
        build()


def out_of_order(warehouse: Path, landing: Path, build: Build) -> None:
    for offset in (4, 3):
        load(warehouse, landing, [day(offset)])
        build()


def redelivery(warehouse: Path, landing: Path, build: Build) -> dict[str, object]:
    """Re-deliver four past days (see the module docstring); returns what was changed."""
    def halve_and_move(rows):
        kept = rows[::2]
        kept[0] = {**kept[0], "touched_at": shift_timestamp(kept[0]["touched_at"], -2)}
        return kept

    touches = edit_day(landing, "touchpoints", REDELIVERED_TOUCH_DAY, halve_and_move)
    app_day, app_id = _status_update(landing)
    edit_day(landing, "applications", app_day,
             lambda rows: [r for r in rows if r["application_id"] != app_id])
    spend_day = _sole_spend_day(landing)
    edit_day(landing, "marketing_spend", spend_day, lambda rows: [])
    pay_day = day(-3)
    dropped = read_day(landing, "repayments", pay_day)[0]["payment_id"]
    edit_day(landing, "repayments", pay_day, lambda rows: [r for r in rows if r["payment_id"] != dropped])
    load(warehouse, landing, [REDELIVERED_TOUCH_DAY], ["touchpoints"])
    load(warehouse, landing, [app_day], ["applications"])
    load(warehouse, landing, [spend_day], ["marketing_spend"])
    load(warehouse, landing, [pay_day], ["repayments"])
    build()
    return {"moved_touch": touches[0]["touch_id"], "reverted_application": app_id,
            "emptied_spend_day": spend_day, "dropped_payment": dropped}


def late_and_corrected(warehouse: Path, landing: Path, build: Build) -> dict[str, object]:
    """Late and corrected rows in extra files of a new export day; returns their keys."""
    first_touch = read_day(landing, "touchpoints", dt.date(2025, 1, 10))[0]
    template = read_day(landing, "touchpoints", LATE_DAY)[0]
    other_channel = next(r["channel"] for r in read_day(landing, "touchpoints", LATE_DAY)
                         if r["channel"] != first_touch["channel"])
    late = [{**template, "touch_id": f"TLATE{back:03d}",
             "touched_at": shift_timestamp(template["touched_at"], -back)} for back in (30, 90)]
    corrected = {**first_touch, "touched_at": shift_timestamp(first_touch["touched_at"], 1),
                 "channel": other_channel, "campaign_id": None}
    write_day(landing, "touchpoints", LATE_DAY, [*late, corrected], name="late.jsonl")
    event = read_day(landing, "app_events", LATE_DAY)[0]
    write_day(landing, "app_events", LATE_DAY,
              [{**event, "event_id": "ELATE090", "occurred_at": shift_timestamp(event["occurred_at"], -90)}],
              name="late.jsonl")
    user = read_day(landing, "users", dt.date(2025, 1, 5))[0]
    write_day(landing, "users", LATE_DAY,
              [{**user, "city_tier": str(int(user["city_tier"]) % 5 + 1),
                "updated_at": shift_timestamp(user["updated_at"], 60)}], name="late.csv")
    loan = max(read_day(landing, "loans", BASE_DAY), key=lambda r: r["disbursed_at"])
    action = read_day(landing, "collection_actions", BASE_DAY)[0]
    early = {**action, "action_id": "CEARLY", "loan_id": loan["loan_id"],
             "action_at": shift_timestamp(loan["disbursed_at"], -45)}
    write_day(landing, "collection_actions", EARLY_ACTION_DAY, [early], name="late.csv")
    load(warehouse, landing, [LATE_DAY])
    load(warehouse, landing, [EARLY_ACTION_DAY], ["collection_actions"])
    build()
    return {"late_touches": [r["touch_id"] for r in late], "corrected_touch": first_touch["touch_id"],
            "corrected_user": user["user_id"], "late_event": "ELATE090", "early_action": "CEARLY"}


def late_payment(warehouse: Path, landing: Path, build: Build) -> dict[str, object]:
    """A repayment of the earliest disbursed loan dated the day after its disbursement, in an extra
    file of LATE_DAY's repayments (re-delivered); returns its payment_id."""
    loans = [r for d in landing_days(landing, "loans") for r in read_day(landing, "loans", d)]
    loan = min(loans, key=lambda r: r["disbursed_at"])
    template = read_day(landing, "repayments", LATE_DAY)[0]
    payment = {**template, "payment_id": "PLATE", "loan_id": loan["loan_id"], "installment_no": 1,
               "paid_at": shift_timestamp(loan["disbursed_at"], 1), "principal_paid": Decimal("10.00"),
               "interest_paid": Decimal("0.00"), "fee_paid": Decimal("0.00"), "penalty_paid": Decimal("0.00")}
    write_day(landing, "repayments", LATE_DAY, [payment], name="late.parquet")
    load(warehouse, landing, [LATE_DAY], ["repayments"])
    build()
    return {"late_payment": payment["payment_id"]}


def gap(warehouse: Path, landing: Path, build: Build) -> dict[str, object]:
    """The exports stop for over a year, then one day arrives holding one repayment of a loan paid
    on the late day, dated that export day: every month-end in between becomes complete at once
    (a real gap: another team's system was down); then the next day, with another. One build
    each. Returns the first export day."""
    gap_day = LATE_DAY + dt.timedelta(days=GAP_DAYS)
    template = max(read_day(landing, "repayments", LATE_DAY), key=lambda r: r["paid_at"])  # not PLATE
    for offset, payment_id in ((0, "PGAP"), (1, "PGAP1")):
        payment = {**template, "payment_id": payment_id,
                   "paid_at": shift_timestamp(template["paid_at"], GAP_DAYS + offset),
                   "principal_paid": Decimal("10.00"), "interest_paid": Decimal("0.00"),
                   "fee_paid": Decimal("0.00"), "penalty_paid": Decimal("0.00")}
        export_day = gap_day + dt.timedelta(days=offset)
        write_day(landing, "repayments", export_day, [payment])
        load(warehouse, landing, [export_day], ["repayments"])
        build()
    return {"gap_day": gap_day}


def reprocess(warehouse: Path, landing: Path, build: Build) -> None:
    load(warehouse, landing, [day(offset) for offset in range(-14, 6)])
    build()


def failure(warehouse: Path, landing: Path, build: Build) -> dict[str, str]:
    """A build in which stg_app_events fails, then one that catches up; returns the first
    build's statuses."""
    table, column = BROKEN_COLUMN
    load(warehouse, landing, [day(6)])
    _rename(warehouse, table, column, f"{column}_broken")
    broken = build(expect_failure=True)
    _rename(warehouse, table, f"{column}_broken", column)
    load(warehouse, landing, [day(7)])
    build()
    return broken


def _rename(warehouse: Path, table: str, old: str, new: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"alter table raw.{table} rename column {old} to {new}")


def _sole_spend_day(landing: Path) -> dt.date:
    """A marketing-spend export day before BASE_DAY-2 holding only its own spend_date, which no
    other export day restates."""
    dates = {d: {r["spend_date"] for r in read_day(landing, "marketing_spend", d)}
             for d in landing_days(landing, "marketing_spend")}
    for export_day in sorted(dates, reverse=True):
        mine = dates[export_day]
        others = set().union(*(v for k, v in dates.items() if k != export_day))
        if export_day < day(-2) and mine == {export_day.isoformat()} and export_day.isoformat() not in others:
            return export_day
    raise AssertionError("no marketing-spend day that is the only one with its spend_date")


def _status_update(landing: Path) -> tuple[dt.date, str]:
    """An applications export day (before BASE_DAY) holding a newer version of an application
    first exported on an earlier day: (that day, the application_id)."""
    seen: set[str] = set()
    for export_day in landing_days(landing, "applications"):
        if export_day > BASE_DAY:
            break
        ids = {r["application_id"] for r in read_day(landing, "applications", export_day)}
        again = sorted(ids & seen)
        if again and export_day >= dt.date(2025, 2, 1):
            return export_day, again[0]
        seen |= ids
    raise AssertionError("the simulated landing has no application status update to revert")
