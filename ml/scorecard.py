"""WOE-binned logistic scorecard with PDO scaling and reason codes.

Binning: optbinning's BinningProcess (monotonic bins for numeric features, chosen ascending or
descending by the solver; missing values and categories get their own bins with their observed
WOE). A logistic regression on the WOE values gives log-odds of bad; points are scaled so that
score = BASE_SCORE at good:bad odds BASE_ODDS, +PDO points each time the odds double:

    factor = PDO / ln 2,  offset = BASE_SCORE - factor * ln(BASE_ODDS)
    score  = offset - factor * logit(PD) = offset - factor * (b0 + sum_j b_j * woe_j)

Points of feature j: -factor * b_j * woe_j (the intercept part is a constant). The reason codes
of an applicant are the three features whose points fall furthest below that feature's best
attainable points: the features that cost the applicant most.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from optbinning import BinningProcess
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from ml import config

N_REASONS = 3


def pdo_factor_offset(base_score: float = config.BASE_SCORE, base_odds: float = config.BASE_ODDS,
                      pdo: float = config.PDO) -> tuple[float, float]:
    factor = pdo / np.log(2)
    return factor, base_score - factor * np.log(base_odds)


def score_from_pd(pd_: np.ndarray) -> np.ndarray:
    """Scorecard points of a PD (the inverse of :func:`pd_from_score`)."""
    factor, offset = pdo_factor_offset()
    p = np.clip(np.asarray(pd_, dtype=float), 1e-9, 1 - 1e-9)
    return offset - factor * np.log(p / (1 - p))


def pd_from_score(score: np.ndarray) -> np.ndarray:
    factor, offset = pdo_factor_offset()
    return 1 / (1 + np.exp((np.asarray(score, dtype=float) - offset) / factor))


def grade(score: np.ndarray) -> np.ndarray:
    """Grade A-E by config.GRADE_BANDS (lower bounds inclusive)."""
    names = np.array([g for g, _ in config.GRADE_BANDS], dtype=object)
    bounds = np.array([b for _, b in config.GRADE_BANDS])
    idx = (np.asarray(score, dtype=float)[:, None] < bounds[None, :]).sum(axis=1)
    return names[np.minimum(idx, len(names) - 1)]


def prepare(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """Model input: numeric as float (NaN = missing), categorical as strings ('missing')."""
    out = pd.DataFrame(index=frame.index)
    for col in numeric:
        out[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in categorical:
        out[col] = frame[col].astype("object").where(frame[col].notna(), "missing").astype(str)
    return out


class WoeScorecard(ClassifierMixin, BaseEstimator):
    """Scorecard estimator: fit on a feature frame and a 0/1 bad flag."""

    def __init__(self, numeric=None, categorical=None, max_n_bins: int = config.MAX_BINS,
                 min_bin_share: float = config.MIN_BIN_SHARE, min_iv: float = config.MIN_IV,
                 C: float = 1.0):
        self.numeric = numeric
        self.categorical = categorical
        self.max_n_bins = max_n_bins
        self.min_bin_share = min_bin_share
        self.min_iv = min_iv
        self.C = C

    @property
    def features(self) -> list[str]:
        return list(self.numeric or []) + list(self.categorical or [])

    def fit(self, X: pd.DataFrame, y) -> WoeScorecard:
        X = prepare(X, self.numeric or [], self.categorical or [])
        y = np.asarray(y, dtype=int)
        # A feature with fewer than two distinct observed values cannot be binned (e.g. "days since
        # last payoff" while no borrower has repaid yet): it is left out with IV 0.
        self.binned_ = [f for f in self.features if X[f].nunique(dropna=True) >= 2]
        params = {c: {"monotonic_trend": "auto_asc_desc"} for c in self.numeric or [] if c in self.binned_}
        self.binning_ = BinningProcess(
            variable_names=self.binned_,
            categorical_variables=[c for c in self.categorical or [] if c in self.binned_],
            max_n_bins=self.max_n_bins,
            min_bin_size=self.min_bin_share,
            binning_fit_params=params,
        )
        # optbinning keeps its bin tables as pandas frames; with pandas 3's default Arrow-backed
        # strings skops cannot round-trip them (segfault on load), so they are built as objects.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pd.option_context("future.infer_string", False):
                self.binning_.fit(X[self.binned_], y)
        summary = self.binning_.summary().set_index("name")
        self.iv_ = {f: float(summary.loc[f, "iv"]) if f in self.binned_ else 0.0 for f in self.features}
        self.n_bins_ = {f: int(summary.loc[f, "n_bins"]) if f in self.binned_ else 0 for f in self.features}
        # Features below the IV floor add noise, not rank: they stay out of the regression.
        ranked = sorted(self.binned_, key=lambda f: -self.iv_[f])
        self.selected_ = [f for f in ranked if self.iv_[f] >= self.min_iv] or ranked[:1]
        self.selected_ = [f for f in self.binned_ if f in self.selected_]  # keep feature order
        woe = self._woe(X)
        self.logit_ = LogisticRegression(C=self.C, max_iter=1000)
        self.logit_.fit(woe, y)
        self.classes_ = np.array([0, 1])
        points = self._points(woe)
        self.best_points_ = points.max(axis=0)
        return self

    def _woe(self, X: pd.DataFrame) -> np.ndarray:
        # Only the selected features, each through its own fitted binning (one call per feature,
        # vectorised over rows); object strings avoid pandas 3's slower Arrow string conversions.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pd.option_context("future.infer_string", False):
                columns = [
                    self.binning_.get_binned_variable(f).transform(
                        X[f].to_numpy(), metric="woe", metric_missing="empirical",
                        metric_special="empirical")
                    for f in self.selected_
                ]
        return np.column_stack(columns).astype(float)

    def _points(self, woe: np.ndarray) -> np.ndarray:
        factor, _ = pdo_factor_offset()
        return -factor * woe * self.logit_.coef_[0][None, :]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        X = prepare(X, self.numeric or [], self.categorical or [])
        p = self.logit_.predict_proba(self._woe(X))[:, 1]
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:
        """pd, score, grade and the three reason codes (features costing most points) per row."""
        X = prepare(X, self.numeric or [], self.categorical or [])
        woe = self._woe(X)
        pd_ = self.logit_.predict_proba(woe)[:, 1]
        cost = self.best_points_[None, :] - self._points(woe)
        k = min(N_REASONS, cost.shape[1])
        top = np.argsort(-cost, axis=1, kind="stable")[:, :k]
        top_cost = np.take_along_axis(cost, top, axis=1)
        names = np.array(self.selected_, dtype=object)[top]
        names = np.where(top_cost > 1e-9, names, None)  # a feature at its best costs nothing
        score = score_from_pd(pd_)
        out = pd.DataFrame({"pd": pd_, "score": score, "grade": grade(score)}, index=X.index)
        for i in range(N_REASONS):
            out[f"reason_{i + 1}"] = names[:, i] if i < k else None
        return out


def n_bins_for(n_bads: int) -> int:
    """Thin data: at most one bin per BINS_PER_BADS training bads, between 2 and MAX_BINS."""
    return int(np.clip(n_bads // config.BINS_PER_BADS, 2, config.MAX_BINS))
