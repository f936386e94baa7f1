"""Incremental builds on DuckDB equal a full rebuild after every kind of delivery.

One module-scoped run of tests/incremental/sequences.py (the small dataset of tests/integration);
at three checkpoints the relations are compared, by content hash (tests/fingerprints.py: doubles
to 12 significant digits, everything else exactly), with a copy of the same warehouse rebuilt with
--full-refresh: the incremental models and their inputs at the first two (the builds between
checkpoints select only those), every staging, intermediate and mart relation at the last, after
one build of the whole project. The windows the models used are checked by hand
where a definition fixes them, so that a mechanism silently rebuilding everything cannot pass.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from tests.fingerprints import table_fingerprints
from tests.integration.incremental import sequences as seq
from tests.integration.incremental.runs import Runs, full_rebuild, simulated
from tools.harness.build import Dataset, dbt_build

SCHEMAS = ("staging", "intermediate", "marts")
CHECKPOINTS = {"out_of_order": "ordered", "late_and_corrected": "redelivered", "gap": "gapped",
               "failure": "failed"}


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    data = simulated(root)
    runs = Runs(data, "duckdb")
    results, diffs = {}, {}
    for step in seq.STEPS:
        results[step] = getattr(seq, step)(data.warehouse, data.landing, runs.build)
        results[f"{step}:builds"] = len(runs.builds)
        if step in CHECKPOINTS:
            last = step == seq.STEPS[-1]
            if last:
                runs.build(everything=True)
            full = full_rebuild(data, root / f"full_{step}", everything=last)
            inc = table_fingerprints(data.warehouse, SCHEMAS)
            ref = table_fingerprints(full.warehouse, SCHEMAS)
            diffs[CHECKPOINTS[step]] = {
                "relations": len(ref),
                "differ": sorted(r for r in set(inc) | set(ref) if inc.get(r) != ref.get(r)),
            }
    return {"data": data, "runs": runs, "results": results, "diffs": diffs}


@pytest.mark.parametrize("checkpoint", list(CHECKPOINTS.values()))
def test_every_relation_equals_a_full_rebuild(sequence, checkpoint):
    diff = sequence["diffs"][checkpoint]
    # not an empty comparison: the incremental models and their inputs; at the last checkpoint
    # every relation of staging, intermediate and marts
    assert diff["relations"] >= (60 if checkpoint == "failed" else 12)
    assert diff["differ"] == []


def _build_index(sequence, step, nth=0):
    """Index in ``Runs`` of the nth build of ``step``."""
    results = sequence["results"]
    before = results[f"{seq.STEPS[seq.STEPS.index(step) - 1]}:builds"] if step != "base" else 0
    return before + nth


def _window(sequence, step, model, nth=0):
    """The window ``model`` used in the nth build of ``step``."""
    return sequence["runs"].windows[_build_index(sequence, step, nth)][model]


def _key_window(sequence, step, model, nth=0):
    """(keys recomputed, keys in all) of a key-window model (incremental_by_key) in the nth build
    of ``step``, from ops.key_window_log; keys recomputed is None for a full build."""
    invocation = sequence["runs"].invocations[_build_index(sequence, step, nth)]
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        return con.execute("select keys_recomputed, keys_total from ops.key_window_log "
                           "where model = ? and invocation_id = ?", [model, invocation]).fetchone()


def _spend_dates(sequence, export_day):
    """Earliest spend_date of a marketing-spend export day (its keys contain the date, so every
    version of them has it)."""
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        (first,) = con.execute("select min(spend_date) from raw.marketing_spend "
                               "where _partition_date = ?", [export_day]).fetchone()
    return str(first)


def test_the_first_build_is_full_and_a_new_day_opens_a_window_at_its_dates(sequence):
    assert _window(sequence, "base", "stg_marketing_spend") == "full"
    assert _window(sequence, "in_order", "stg_marketing_spend") == _spend_dates(sequence, seq.day(1))
    assert _window(sequence, "in_order", "stg_marketing_spend", 1) == _spend_dates(sequence, seq.day(2))
    # out of order: BASE+4 first, then BASE+3 (the window goes back for the late-arriving day)
    assert _window(sequence, "out_of_order", "stg_marketing_spend") == _spend_dates(sequence, seq.day(4))
    assert _window(sequence, "out_of_order", "stg_marketing_spend", 1) == _spend_dates(sequence, seq.day(3))
    assert _spend_dates(sequence, seq.day(3)) < _spend_dates(sequence, seq.day(4))


def test_a_re_delivered_empty_day_opens_the_window_at_the_dates_it_removed(sequence):
    # the emptied day had rows dated that day only; every spend load since is dated later
    emptied = sequence["results"]["redelivery"]["emptied_spend_day"]
    assert _window(sequence, "redelivery", "stg_marketing_spend") == str(emptied)
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        (rows,) = con.execute("select count(*) from staging.stg_marketing_spend where spend_date = ?",
                              [emptied]).fetchone()
        reverted = sequence["results"]["redelivery"]["reverted_application"]
        versions = con.execute("select count(*) from raw.applications where application_id = ?",
                               [reverted]).fetchone()[0]
    assert rows == 0
    assert versions >= 1  # the key lives on in its older version(s), which win again


def test_late_and_corrected_rows_open_the_window_at_their_earliest_date(sequence):
    results = sequence["results"]["late_and_corrected"]
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        # every touch of the late day's export and every version of those touches, dated locally
        (expected,) = con.execute(
            """select min(cast(timezone('Asia/Shanghai', v.touched_at) as date))
               from raw.touchpoints v
               where v.touch_id in (select touch_id from raw.touchpoints where _partition_date = ?)""",
            [seq.LATE_DAY]).fetchone()
        late = con.execute("select touch_id from staging.stg_touchpoints where touch_id in (?, ?)",
                           results["late_touches"]).fetchall()
    assert expected <= seq.LATE_DAY - dt.timedelta(days=89)
    assert _window(sequence, "late_and_corrected", "stg_touchpoints") == str(expected)
    assert len(late) == 2


def test_a_reloaded_loan_reopens_its_collection_actions_dated_before_its_disbursement(sequence):
    # the reprocessed range reloads the early action's loan but not the action (an earlier export
    # day): the loads date the window from the loan on; risk_collection_also_from reaches back to
    # the action, whose borrower is the loan's user
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        (action_date, disbursed, export_day) = con.execute(
            """select c.action_date, l.disbursed_date, r._partition_date
               from staging.stg_collection_actions as c
               join staging.stg_loans as l using (loan_id)
               join raw.collection_actions as r using (action_id)
               where c.action_id = ?""",
            [sequence["results"]["late_and_corrected"]["early_action"]]).fetchone()
    assert action_date < export_day < seq.day(-14) <= disbursed  # reloaded: the loan only
    for model in ("int_risk_collection_actions_flagged", "int_risk_collection_loan_daily"):
        assert _window(sequence, "late_and_corrected", model) == str(action_date)  # its own load
        assert _window(sequence, "reprocess", model) == str(action_date)


def test_a_late_payment_recomputes_the_loan_months_from_its_month(sequence):
    payment = sequence["results"]["late_payment"]["late_payment"]
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        (paid,) = con.execute("select paid_date from staging.stg_repayments where payment_id = ?",
                              [payment]).fetchone()
    assert (seq.LATE_DAY - paid).days >= 60
    # a new day (nothing late) rebuilds its own month only
    assert _window(sequence, "in_order", "int_risk_loan_month_end") == str(seq.day(1).replace(day=1))
    # the payment's month, not the as-of month: every month-end from it on changes
    assert _window(sequence, "late_payment", "int_risk_loan_month_end") == str(paid.replace(day=1))


def test_churn_snapshots_recompute_the_label_days_before_a_change_and_what_the_as_of_date_adds(
        sequence):
    payment = sequence["results"]["late_payment"]["late_payment"]
    gap_day = sequence["results"]["gap"]["gap_day"]
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        (paid,) = con.execute("select paid_date from staging.stg_repayments where payment_id = ?",
                              [payment]).fetchone()
        (as_of,) = con.execute("select as_of_date from intermediate.int_risk_as_of_date").fetchone()
        snapshots = [d for (d,) in con.execute(
            "select distinct snapshot_date from intermediate.int_ml_churn_snapshots order by 1").fetchall()]
    # a payment dated d can change the label of every snapshot in the 60 days before d
    assert _window(sequence, "late_payment", "int_ml_churn_snapshots") == str(paid - dt.timedelta(days=60))
    # a year without exports: the gap day's own window starts 60 days before it, but the
    # month-ends between the last stored snapshot (February) and the new as-of date are new
    # snapshots: the window starts the day after the last stored one
    assert gap_day - dt.timedelta(days=60) > dt.date(2025, 4, 1)
    assert _window(sequence, "gap", "int_ml_churn_snapshots") == "2025-03-01"
    assert as_of == gap_day + dt.timedelta(days=1)
    # March's month-end is a snapshot now; the later ones have nobody active (no app events)
    assert snapshots[-1] == dt.date(2025, 3, 31)


def test_lifecycle_months_recompute_from_the_month_of_a_change_and_the_stored_as_of_month(sequence):
    payment = sequence["results"]["late_payment"]["late_payment"]
    with duckdb.connect(str(sequence["data"].warehouse), read_only=True) as con:
        (paid,) = con.execute("select paid_date from staging.stg_repayments where payment_id = ?",
                              [payment]).fetchone()
        months = con.execute("select min(month_start_date), max(month_start_date) "
                             "from intermediate.int_lifecycle_user_months").fetchone()
    assert _window(sequence, "late_payment", "int_lifecycle_user_months") == str(paid.replace(day=1))
    # after the gap: March (the stored as-of month, now complete) and every month to the new one;
    # the day after: its own month only, from a grid starting 12 months before it (the months
    # before enter as sums: compared with a full rebuild at this step's checkpoint)
    gap_month = sequence["results"]["gap"]["gap_day"].replace(day=1)
    assert _window(sequence, "gap", "int_lifecycle_user_months") == "2025-03-01"
    assert _window(sequence, "gap", "int_lifecycle_user_months", 1) == str(gap_month)
    assert months[0] < dt.date(2025, 1, 2) < dt.date(2025, 3, 31) < gap_month.replace(year=gap_month.year - 1)
    assert months[1] == gap_month


def test_a_failed_model_and_its_descendants_catch_up_the_next_run(sequence):
    broken = sequence["results"]["failure"]
    assert broken["model.lending.stg_app_events"] == "error"
    assert broken["model.lending.stg_touchpoints"] == "success"
    assert "skipped" in broken.values()
    # the next build (after the fix) is incremental and its result equals a full rebuild
    # (test_every_relation_equals_a_full_rebuild[failed])
    assert _window(sequence, "failure", "stg_app_events", 1) not in ("full", "nothing")


def test_key_windows_recompute_only_the_keys_whose_inputs_changed(sequence):
    # the first build computes every key; the digests it stores make the next ones incremental
    assert _key_window(sequence, "base", "int_lifecycle_status_intervals")[0] is None
    # a new day: its users, not all of them
    recomputed, total = _key_window(sequence, "in_order", "int_lifecycle_status_intervals")
    assert 0 < recomputed < total
    # the late payment (as-of date unchanged: it is dated ~75 days back) changes one loan's
    # schedule status and payments, hence that loan's all-in APR inputs and its borrower's
    # activity days and loan: exactly one key each
    loans, users = (_key_window(sequence, "late_payment", model)
                    for model in ("int_disclosure_loan_all_in_apr", "int_lifecycle_status_intervals"))
    assert loans[0] == 1 and loans[1] > 100
    assert users[0] == 1 and users[1] > 100


def test_a_changed_var_recomputes_every_key(sequence, tmp_path):
    # every key's digest holds the model's compiled SQL, vars included: the input rows are the
    # same, yet every user's intervals change with the active-days threshold (on a copy)
    data = sequence["data"]
    copy = Dataset(tmp_path, data.landing, tmp_path / "warehouse.duckdb", data.lake, data.spark_dir)
    shutil.copyfile(data.warehouse, copy.warehouse)
    dbt_build(copy, "duckdb", ("--select", "int_lifecycle_status_intervals", "--exclude-resource-type",
                               "unit_test", "--vars", "{lifecycle_active_days: 20}"))
    with duckdb.connect(str(copy.warehouse), read_only=True) as con:
        recomputed, total = con.execute(
            "select keys_recomputed, keys_total from ops.key_window_log "
            "order by logged_at desc limit 1").fetchone()
    assert recomputed == total > 100
