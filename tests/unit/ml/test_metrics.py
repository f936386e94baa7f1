"""Metric definitions (docs/ml.md#metrics) checked against values computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from ml import metrics


def test_auc_gini_ks_brier_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    # pairs (bad, good): (0.35 > 0.1) yes, (0.35 > 0.4) no, (0.8 > both) yes x2 -> 3/4
    assert metrics.auc(y, p) == pytest.approx(0.75)
    assert metrics.gini(y, p) == pytest.approx(0.5)
    # sorted p: 0.1(g) 0.35(b) 0.4(g) 0.8(b): cum bad .0 .5 .5 1; cum good .5 .5 1 1 -> max 0.5
    assert metrics.ks(y, p) == pytest.approx(0.5)
    assert metrics.brier(y, p) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)


def test_ks_ignores_ties_inside_a_score():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.5, 0.5, 0.5, 0.5])
    assert metrics.ks(y, p) == 0.0


def test_top_decile_lift_and_pr_auc():
    y = np.array([1] + [0] * 9 + [1] * 0 + [0] * 10)  # 1 event in 20, ranked first
    p = np.linspace(1, 0, 20)
    # top 10% = 2 rows holding the 1 event: rate 0.5 / base 0.05 = 10
    assert metrics.top_decile_lift(y, p) == pytest.approx(10.0)
    assert metrics.pr_auc(y, p) == pytest.approx(1.0)


def test_psi_zero_for_same_distribution_and_by_hand_for_a_shift():
    x = np.arange(100, dtype=float)
    assert metrics.psi(x, x) == pytest.approx(0.0)
    # 2 bins (median 49.5): expected 50/50; actual 25/75
    expected = 0.25 * math.log(0.75 / 0.5) + (-0.25) * math.log(0.25 / 0.5)
    actual = np.r_[np.zeros(25), np.full(75, 99.0)]
    assert metrics.psi(x, actual, bins=2) == pytest.approx(expected)


def test_calibration_by_decile_equal_count_bins():
    p = np.linspace(0.01, 0.2, 20)
    y = np.r_[np.zeros(18), np.ones(2)]
    table = metrics.calibration_by_decile(y, p)
    assert list(table["n"]) == [2] * 10
    assert table["observed"].iloc[-1] == 1.0
    assert table["predicted"].iloc[0] == pytest.approx(p[:2].mean())


def test_information_value_by_hand():
    bad, good = np.array([10, 30]), np.array([60, 40])
    # bad% .25 .75; good% .6 .4
    expected = (0.6 - 0.25) * math.log(0.6 / 0.25) + (0.4 - 0.75) * math.log(0.4 / 0.75)
    assert metrics.information_value(bad, good) == pytest.approx(expected)


def test_auc_decay_scores_only_the_loans_observed_after_the_oot_window():
    """credit_decay hands the score function only labelled loans disbursed after oot_to; 120 such
    loans, bads 0-59 ranked (by hand) 3/4 of the pairs right: AUC 0.75 against 0.82 at training
    is a decay (more than 0.05 lower); earlier or unlabelled rows never reach the scorer."""
    from ml import config
    from ml.monitoring import credit_decay

    n = 120
    later = pd.DataFrame({config.CREDIT_LABEL: [True] * 60 + [False] * 60,
                          config.CREDIT_TIME: pd.Timestamp("2025-03-01"), "row": range(n)})
    earlier = later.head(10).assign(**{config.CREDIT_TIME: pd.Timestamp("2024-12-01")})
    unlabelled = later.head(5).assign(**{config.CREDIT_LABEL: None})
    frame = pd.concat([earlier, later, unlabelled], ignore_index=True)
    seen = []

    def score(rows):
        seen.append(sorted(rows["row"]))
        # bads 0-29 above every good, bads 30-59 below goods 90-119 only: 60*60 pairs, of which
        # 30*60 + 30*30 = 2,700 right -> AUC 0.75
        rank = {**{i: 3.0 for i in range(30)}, **{i: 1.5 for i in range(30, 60)},
                **{i: 2.0 for i in range(60, 90)}, **{i: 1.0 for i in range(90, 120)}}
        return rows["row"].map(rank).to_numpy(float)

    result = credit_decay(frame, "2025-01-31", 0.82, score)
    assert seen == [list(range(n))]
    assert result["n"] == n and result["auc_now"] == pytest.approx(0.75)
    assert result["decayed"] is True
    assert credit_decay(frame, "2025-01-31", 0.79, score)["decayed"] is False
