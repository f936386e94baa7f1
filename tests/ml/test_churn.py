"""Retention model on synthetic snapshots: out of time, uses the lifecycle tier, deterministic,
refuses thin data."""

import numpy as np
import pytest

from ml import config, scoring
from ml.data import InsufficientDataError
from ml.training import train_churn
from tests.ml.synthetic import churn_features


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


def test_churn_deterministic_for_fixed_seed_and_data():
    frame = churn_features(2000, seed=3)
    a = train_churn(frame, seed=5)
    b = train_churn(frame.sample(frac=1, random_state=1), seed=5)
    assert a.metrics == b.metrics
    assert np.array_equal(a.oot_p, b.oot_p)


def test_churn_thin_data_refuses_with_a_clear_message():
    with pytest.raises(InsufficientDataError, match="needs >= 500 labelled user snapshots"):
        train_churn(churn_features(300, seed=4))
