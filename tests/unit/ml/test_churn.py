"""Retention model on synthetic snapshots: out of time, uses the lifecycle tier, deterministic,
refuses thin data."""

import numpy as np
import pandas as pd
import pytest

from lending.settings import Settings
from ml import config, scoring
from ml.data import InsufficientDataError, read_latest, read_table
from ml.training import train_churn
from tools.harness.synthetic import churn_features


@pytest.fixture(scope="module")
def trained():
    return train_churn(churn_features(3000, seed=2), seed=config.SEED)


def test_churn_model_ranks_out_of_time_and_uses_the_tier(trained):
    assert trained.split.oot_from > trained.split.train_to
    assert trained.metrics["auc_oot"] > 0.7
    assert "tier" in trained.categorical
    for metric in ("pr_auc_oot", "top_decile_lift_oot", "brier_oot"):
        assert metric in trained.metrics
    # the synthetic churn risk is higher in the at_risk tier: so are the model's probabilities
    frame = churn_features(3000, seed=2)
    latest = frame.assign(snapshot_date=frame["snapshot_date"].max())  # everyone at one snapshot
    scores = scoring.churn_scores(trained.model, latest, "1")
    by_tier = scores.merge(frame[["user_id", "tier"]]).groupby("tier")["churn_probability"].mean()
    assert by_tier["at_risk"] > by_tier["healthy"]


def test_scoring_reads_the_latest_snapshot_only_and_scores_the_same_users(trained, tmp_path):
    """The scoring step reads the latest snapshot's rows in SQL (read_latest) instead of every
    user-month: the same rows, in the same order, as filtering the whole table in pandas, and
    the same scores. A row without a snapshot date is never the latest."""
    frame = churn_features(3000, seed=2)
    undated = frame.head(1).assign(snapshot_date=pd.NaT, user_id="U-undated")
    warehouse = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}).warehouse()
    warehouse.path.parent.mkdir(parents=True)
    with warehouse.connect() as con:
        con.execute("create schema marts")
        con.register("f", pd.concat([frame, undated], ignore_index=True))
        con.execute(f"create table marts.{config.CHURN_FEATURES_TABLE} as select * from f")
    whole = read_table(warehouse, config.CHURN_FEATURES_TABLE)
    latest_date = frame["snapshot_date"].max()
    expected = whole[whole["snapshot_date"] == latest_date].reset_index(drop=True)
    assert 0 < len(expected) < len(frame) and whole["snapshot_date"].nunique() > 1

    latest = read_latest(warehouse, config.CHURN_FEATURES_TABLE, config.CHURN_SNAPSHOT)

    pd.testing.assert_frame_equal(latest, expected)
    pd.testing.assert_frame_equal(scoring.churn_scores(trained.model, latest, "1"),
                                  scoring.churn_scores(trained.model, whole, "1"))


def test_churn_deterministic_for_fixed_seed_and_data():
    frame = churn_features(2000, seed=3)
    a = train_churn(frame, seed=5)
    b = train_churn(frame.sample(frac=1, random_state=1), seed=5)
    assert a.metrics == b.metrics
    assert np.array_equal(a.oot_p, b.oot_p)


def test_churn_thin_data_refuses_with_a_clear_message():
    with pytest.raises(InsufficientDataError, match="needs >= 500 labelled user snapshots"):
        train_churn(churn_features(300, seed=4))


def test_churn_trains_on_a_seeded_sample_of_at_most_max_train_rows(monkeypatch):
    frame = churn_features(3000, seed=2)
    full = train_churn(frame, seed=5)
    monkeypatch.setattr(config, "MAX_TRAIN_ROWS", 1000)
    a = train_churn(frame, seed=5)
    b = train_churn(frame.sample(frac=1, random_state=1), seed=5)  # input order does not matter
    assert len(full.split.train) > 1000 and len(a.train_p) == 1000 and len(full.train_p) > 1000
    assert len(a.oot_p) == len(full.oot_p)  # evaluated on the whole out-of-time set
    assert np.array_equal(a.oot_p, b.oot_p) and a.metrics == b.metrics
    assert not np.array_equal(a.oot_p, full.oot_p)  # it did fit on fewer rows


def test_sample_at_most_keeps_small_frames_and_samples_large_ones_reproducibly():
    import pandas as pd

    from ml.data import sample_at_most

    frame = pd.DataFrame({"x": range(10)})
    assert sample_at_most(frame, 10, seed=1) is frame
    a, b = sample_at_most(frame, 4, seed=1), sample_at_most(frame, 4, seed=1)
    assert len(a) == 4 and a.equals(b) and list(a.index) == sorted(a.index)
    assert set(a["x"]) <= set(range(10))
