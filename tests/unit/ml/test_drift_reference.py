"""What the score checks read, and the drift reference they store (ml/drift_reference.py): the
stored reference gives exactly the drift a fresh computation from the whole table gives, is reused
while the champion and its training window are unchanged, and is computed again when either
changes; the decay and fairness checks read only the rows and columns they need."""

import numpy as np
import pandas as pd
import pytest

from lending.settings import Settings
from ml import config, drift_reference
from ml.data import (
    read_labelled_after,
    read_latest,
    read_sample_between,
    read_table,
    read_with_scores,
    window_digest,
)
from ml.fairness import ATTRIBUTES, fairness_table
from ml.monitoring import drift
from ml.training import predict_pd, train_churn
from tools.harness.synthetic import churn_features, credit_features

TABLE = config.CHURN_FEATURES_TABLE
ARGS = (config.CHURN_NUMERIC, config.CHURN_CATEGORICAL)
FEATURES = [*config.CHURN_NUMERIC, *config.CHURN_CATEGORICAL]


@pytest.fixture(scope="module")
def model():
    return train_churn(churn_features(3000, seed=2), seed=config.SEED).model


def _warehouse(tmp_path, frame: pd.DataFrame, table: str = TABLE):
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)})
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    warehouse = settings.warehouse()
    with warehouse.connect() as con:
        con.execute("create schema if not exists marts")
        con.register("f", frame)
        con.execute(f"create or replace table marts.{table} as select * from f")
    return warehouse


def _frame() -> pd.DataFrame:
    frame = churn_features(3000, seed=2).assign(as_of_date=pd.Timestamp("2024-09-30"))
    undated = frame.head(1).assign(snapshot_date=pd.NaT, snapshot_month=pd.NaT, user_id="U-x")
    return pd.concat([undated, frame], ignore_index=True)


def _fresh_drift(model, frame: pd.DataFrame, start, end):
    """The definition, in pandas over the whole table: the training months start..end inclusive
    against the latest snapshot (an undated row in neither)."""
    month = frame["snapshot_month"]
    reference = frame[(month >= start) & (month <= end)]
    current = frame[frame["snapshot_date"] == frame["snapshot_date"].max()]
    return drift(model, reference, current, *ARGS)


def _champion_drift(model, warehouse, data_dir, start, end, version="1"):
    current = read_latest(warehouse, TABLE, config.CHURN_SNAPSHOT)
    return drift_reference.champion_drift(warehouse, data_dir, config.CHURN_MODEL, version,
                                          lambda: model, TABLE, config.CHURN_TIME, start, end,
                                          current, *ARGS)


def _no_recomputation(monkeypatch):
    def fail(*_args, **_kwargs):
        raise AssertionError("the stored reference should have been used")

    monkeypatch.setattr(drift_reference, "reference_profile", fail)


def test_the_stored_reference_gives_the_drift_of_a_fresh_computation_and_is_reused(
        model, tmp_path, monkeypatch):
    frame = _frame()
    warehouse = _warehouse(tmp_path, frame)
    months = sorted(frame["snapshot_month"].dropna().unique())
    start, end = months[1], months[3]
    expected = _fresh_drift(model, frame, start, end)
    assert 0 < expected.n_reference < len(frame) and expected.n_current > 0

    assert _champion_drift(model, warehouse, tmp_path, start.date(), end.date()) == expected
    assert (tmp_path / "monitoring" / f"{config.CHURN_MODEL}.json").is_file()

    _no_recomputation(monkeypatch)
    assert _champion_drift(model, warehouse, tmp_path, start.date(), end.date()) == expected


def test_a_change_inside_the_window_or_a_new_champion_computes_it_again_one_outside_does_not(
        model, tmp_path, monkeypatch):
    frame = _frame()
    warehouse = _warehouse(tmp_path, frame)
    months = sorted(frame["snapshot_month"].dropna().unique())
    start, end = months[1].date(), months[3].date()
    _champion_drift(model, warehouse, tmp_path, start, end)

    # the next day's rebuild: a corrected row after the window, every row's as-of date and an
    # in-window label moved (columns the profile does not read), the rows in another order: reused
    outside = frame.index[frame["snapshot_month"] == months[6]][0]
    frame.loc[outside, "events_30d"] += 50
    frame["as_of_date"] += pd.Timedelta(days=1)
    labelled = frame.index[frame["snapshot_month"] == months[2]][:5]
    frame.loc[labelled, "churned"] = ~frame.loc[labelled, "churned"]
    warehouse = _warehouse(tmp_path, frame.sample(frac=1, random_state=3))
    with monkeypatch.context() as patch:
        _no_recomputation(patch)
        assert (_champion_drift(model, warehouse, tmp_path, start, end)
                == _fresh_drift(model, frame, months[1], months[3]))

    calls = []
    compute = drift_reference.reference_profile
    monkeypatch.setattr(drift_reference, "reference_profile",
                        lambda *a, **k: calls.append(1) or compute(*a, **k))
    # a corrected row inside the window: computed again, and equal to the fresh computation
    inside = frame.index[frame["snapshot_month"] == months[2]][0]
    frame.loc[inside, "events_30d"] += 50
    warehouse = _warehouse(tmp_path, frame)
    assert (_champion_drift(model, warehouse, tmp_path, start, end)
            == _fresh_drift(model, frame, months[1], months[3]))
    assert len(calls) == 1
    # a new champion version, the same window: computed again
    _champion_drift(model, warehouse, tmp_path, start, end, version="2")
    assert len(calls) == 2
    # an unreadable store is computed again, never a failure
    (tmp_path / "monitoring" / f"{config.CHURN_MODEL}.json").write_text("{not json")
    _champion_drift(model, warehouse, tmp_path, start, end, version="2")
    assert len(calls) == 3


def test_the_sample_of_a_large_window_depends_on_its_rows_not_their_order(tmp_path):
    frame = _frame()
    months = sorted(frame["snapshot_month"].dropna().unique())
    start, end = months[1].date(), months[3].date()
    in_window = frame[(frame["snapshot_month"] >= months[1]) & (frame["snapshot_month"] <= months[3])]

    samples = []
    for i, order in enumerate([frame, frame.iloc[::-1], frame.sample(frac=1, random_state=7)]):
        warehouse = _warehouse(tmp_path / str(i), order)
        sample = read_sample_between(warehouse, TABLE, ["user_id", *FEATURES], config.CHURN_TIME,
                                     start, end, n=100, seed=42)
        samples.append(sorted(sample["user_id"]))
        everything = read_sample_between(warehouse, TABLE, ["user_id"], config.CHURN_TIME, start,
                                         end, n=len(frame), seed=42)
        assert sorted(everything["user_id"]) == sorted(in_window["user_id"])
    assert len(samples[0]) == 100 and set(samples[0]) <= set(in_window["user_id"])
    assert samples[0] == samples[1] == samples[2]
    other_seed = read_sample_between(warehouse, TABLE, ["user_id", *FEATURES], config.CHURN_TIME,
                                     start, end, n=100, seed=7)
    assert sorted(other_seed["user_id"]) != samples[0]
    assert list(other_seed.columns) == ["user_id", *FEATURES]


def test_the_window_digest_follows_the_windows_rows_and_columns_not_their_order(tmp_path):
    frame = _frame()
    months = sorted(frame["snapshot_month"].dropna().unique())
    start, end = months[1].date(), months[3].date()

    def digest(f: pd.DataFrame, name: str) -> str:
        return window_digest(_warehouse(tmp_path / name, f), TABLE, FEATURES, config.CHURN_TIME,
                             start, end)

    base = digest(frame, "a")
    assert digest(frame.iloc[::-1], "b") == base
    changed = frame.copy()
    changed.loc[changed["snapshot_month"] == months[2], "tenure_days"] += 1
    assert digest(changed, "c") != base
    dropped = frame[frame["snapshot_month"] != months[3]]
    assert digest(dropped, "d") != base
    retyped = frame.assign(tenure_days=frame["tenure_days"].astype(float))
    assert digest(retyped, "e") != base
    later = frame["snapshot_month"] > months[3]
    assert digest(frame.assign(rejections_90d=frame["rejections_90d"].where(
        ~later, frame["rejections_90d"] + 1)), "f") == base  # a change after the window
    assert digest(frame.assign(as_of_date=frame["as_of_date"] + pd.Timedelta(days=1),
                               churned=~frame["churned"]), "g") == base  # not a feature


def test_the_decay_check_reads_the_loans_labelled_after_the_oot_window_only(tmp_path):
    frame = credit_features(400, seed=1)
    frame[config.CREDIT_LABEL] = frame[config.CREDIT_LABEL].astype("boolean")
    frame.loc[frame.index[:50], config.CREDIT_LABEL] = None
    warehouse = _warehouse(tmp_path, frame, config.CREDIT_FEATURES_TABLE)
    oot_to = sorted(frame[config.CREDIT_TIME].unique())[5]
    whole = read_table(warehouse, config.CREDIT_FEATURES_TABLE)
    expected = whole[whole[config.CREDIT_LABEL].notna()
                     & (whole[config.CREDIT_TIME] > oot_to)].reset_index(drop=True)
    assert 0 < len(expected) < len(whole) - 50

    later = read_labelled_after(warehouse, config.CREDIT_FEATURES_TABLE, config.CREDIT_LABEL,
                                config.CREDIT_TIME, oot_to.date())

    pd.testing.assert_frame_equal(later, expected, check_dtype=False)  # no null left: bool


def test_the_fairness_check_reads_the_scored_applications_columns_it_needs(tmp_path):
    features = pd.DataFrame({
        "application_id": ["a1", "a2", "a3", "a4", "a5"],
        "is_bad": [True, False, None, False, True],
        "age_band": ["18-24", "18-24", "25-34", "25-34", None],
        "gender": ["F", "M", "F", "M", "F"],
        "bureau_score": [600.0, 700.0, 650.0, 640.0, 500.0],
    }).astype({"is_bad": "boolean"})
    warehouse = _warehouse(tmp_path, features, config.CREDIT_FEATURES_TABLE)
    with warehouse.connect() as con:  # a5 is not scored: the join is inner
        con.execute("create schema ml")
        con.execute("create table ml.credit_scores as select * from (values "
                    "('a1', 'A'), ('a2', 'D'), ('a3', 'B'), ('a4', 'E')) as t(application_id, grade)")

    joined = read_with_scores(warehouse, config.CREDIT_FEATURES_TABLE,
                              [config.CREDIT_LABEL, *ATTRIBUTES], "application_id",
                              "credit_scores", ["grade"])
    table = fairness_table(joined, joined["grade"].to_numpy()).set_index(["attribute", "group"])

    # by hand: 18-24 a1 (A, bad) a2 (D, good); 25-34 a3 (B, no label) a4 (E, good)
    assert table.loc[("age_band", "18-24"), "applications"] == 2
    assert table.loc[("age_band", "18-24"), "approval_rate"] == 0.5
    assert table.loc[("age_band", "18-24"), "bad_rate"] == 0.5
    assert table.loc[("age_band", "25-34"), "observable"] == 1
    assert table.loc[("gender", "F"), "approval_rate"] == 1.0  # a1 A, a3 B
    assert table.loc[("gender", "M"), "approval_rate"] == 0.0  # a2 D, a4 E
    assert np.isclose(table.loc[("gender", "M"), "adverse_impact_ratio"], 0.0)
    assert "unknown" not in table.index.get_level_values("group")  # a5 was not scored


def test_with_the_stored_reference_and_the_current_scores_given_no_model_is_loaded(
        model, tmp_path, monkeypatch):
    """The drift check passes the scores the scoring step stored (ml.data.stored_scores): with the
    reference stored too, the champion is never loaded, and the drift is the fresh one."""
    frame = _frame()
    warehouse = _warehouse(tmp_path, frame)
    months = sorted(frame["snapshot_month"].dropna().unique())
    start, end = months[1].date(), months[3].date()
    _champion_drift(model, warehouse, tmp_path, start, end)  # stores the reference

    def never():
        raise AssertionError("the champion should not have been loaded")

    current = read_latest(warehouse, TABLE, config.CHURN_SNAPSHOT)
    current_p = predict_pd(model, current, *ARGS)
    got = drift_reference.champion_drift(warehouse, tmp_path, config.CHURN_MODEL, "1", never,
                                         TABLE, config.CHURN_TIME, start, end, current, *ARGS,
                                         current_p=current_p)
    assert got == _fresh_drift(model, frame, months[1], months[3])
