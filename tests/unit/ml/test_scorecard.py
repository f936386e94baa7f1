"""Scorecard scaling, grades, reason codes, thin data and determinism."""

import numpy as np
import pytest

from ml import config
from ml.data import InsufficientDataError
from ml.scorecard import grade, pd_from_score, score_from_pd
from ml.training import train_credit
from tools.harness.synthetic import credit_features


def test_pdo_scaling_by_hand():
    # odds good:bad 50:1 -> PD 1/51 -> base score 600; doubling the odds (100:1) adds 20 points
    assert score_from_pd(np.array([1 / 51]))[0] == pytest.approx(600)
    assert score_from_pd(np.array([1 / 101]))[0] == pytest.approx(620)
    assert score_from_pd(np.array([1 / 26]))[0] == pytest.approx(580)
    assert pd_from_score(np.array([600.0]))[0] == pytest.approx(1 / 51)


def test_grade_bands_lower_bound_inclusive():
    scores = np.array([650, 600, 599.9, 570, 569, 550, 549, 530, 529.9, 100])
    assert list(grade(scores)) == ["A", "A", "B", "B", "C", "C", "D", "D", "E", "E"]


@pytest.fixture(scope="module")
def trained():
    return train_credit(credit_features(4000, seed=1), seed=config.SEED)


def test_reason_codes_are_the_features_costing_most_points(trained):
    card = trained[0].model
    frame = credit_features(50, seed=9)
    out = card.explain(frame)
    # recompute the points by hand from the WOE values and the coefficients
    factor = config.PDO / np.log(2)
    from ml.scorecard import prepare

    woe = card._woe(prepare(frame, card.numeric, card.categorical))
    points = -factor * woe * card.logit_.coef_[0]
    cost = card.best_points_ - points
    for i in range(len(frame)):
        order = [card.selected_[j] for j in np.argsort(-cost[i], kind="stable") if cost[i, j] > 1e-9]
        expected = (order + [None, None, None])[:3]
        assert [out[f"reason_{k}"].iloc[i] for k in (1, 2, 3)] == expected
    # score = offset - factor * logit(pd): consistent with the PD column
    assert np.allclose(score_from_pd(out["pd"].to_numpy()), out["score"].to_numpy())
    assert "bureau_score" in card.selected_  # the strongest signal of the synthetic data


def test_credit_models_rank_synthetic_risk(trained):
    card, gbm = trained
    print(f"\nsynthetic credit OOT AUC: scorecard {card.metrics['auc_oot']:.3f}, "
          f"gbm {gbm.metrics['auc_oot']:.3f}")
    assert card.metrics["auc_oot"] > 0.7
    assert gbm.metrics["auc_oot"] > 0.65
    assert card.split.oot_from > card.split.train_to  # out of time: OOT months after training
    assert set(card.iv) == set(config.CREDIT_FEATURES)


def test_deterministic_for_fixed_seed_and_data():
    frame = credit_features(2000, seed=3)
    a, b = train_credit(frame, seed=5), train_credit(frame.sample(frac=1, random_state=1), seed=5)
    for x, y in zip(a, b, strict=True):
        assert x.metrics == y.metrics
        assert np.array_equal(x.oot_p, y.oot_p)


def test_thin_data_trains_with_fewer_bins():
    frame = credit_features(1000, seed=4)
    frame["is_bad"] = frame["is_bad"].astype(object)
    # only ~500 loans mature (labelled): the rest have not reached MOB 6
    frame.loc[frame["disbursed_month"] >= frame["disbursed_month"].sort_values().iloc[500], "is_bad"] = None
    card = train_credit(frame, seed=1)[0]
    assert card.n_train + card.n_oot <= 500
    assert card.params["max_n_bins"] < config.MAX_BINS
    assert any("thin data" in n for n in card.notes)


def test_too_little_data_refuses_with_a_clear_message():
    frame = credit_features(250, seed=4)
    with pytest.raises(InsufficientDataError, match="needs >= 300 mature loans"):
        train_credit(frame)


def test_a_feature_never_observed_in_training_is_left_out():
    frame = credit_features(2000, seed=6)
    frame["days_since_last_payoff"] = float("nan")  # no borrower has repaid a loan yet
    card = train_credit(frame, seed=1)[0]
    assert card.iv["days_since_last_payoff"] == 0.0
    assert "days_since_last_payoff" not in card.model.selected_
    assert card.metrics["auc_oot"] > 0.7
