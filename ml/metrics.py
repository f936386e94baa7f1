"""Model-quality metrics, each with one definition (docs/ml.md#metrics), vectorised numpy.

Kept separate from scikit-learn so the definitions (KS, PSI bins, IV, lift) are explicit and
tested by hand on small cases (tests/unit/ml/test_metrics.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

PSI_EPS = 1e-4  # floor for empty bins in PSI / IV (keeps the log finite)


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    y = np.asarray(y, dtype=int)
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def gini(y: np.ndarray, p: np.ndarray) -> float:
    """Gini = 2 * AUC - 1."""
    return 2 * auc(y, p) - 1


def ks(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov-Smirnov: max over thresholds of |CDF_bad(p) - CDF_good(p)|."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    n_bad, n_good = y.sum(), len(y) - y.sum()
    if n_bad == 0 or n_good == 0:
        return float("nan")
    order = np.argsort(p, kind="stable")
    ys, ps = y[order], p[order]
    cum_bad = np.cumsum(ys) / n_bad
    cum_good = np.cumsum(1 - ys) / n_good
    last_of_value = np.r_[ps[1:] != ps[:-1], True]  # evaluate only between distinct scores
    return float(np.max(np.abs(cum_bad - cum_good)[last_of_value]))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared error of the predicted probability."""
    y = np.asarray(y, dtype=float)
    return float(np.mean((np.asarray(p, dtype=float) - y) ** 2))


def pr_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision (area under the precision-recall curve)."""
    y = np.asarray(y, dtype=int)
    return float(average_precision_score(y, p)) if y.sum() > 0 else float("nan")


def top_decile_lift(y: np.ndarray, p: np.ndarray) -> float:
    """Event rate among the 10% highest scores / overall event rate (ties broken by order)."""
    y = np.asarray(y, dtype=float)
    n_top = max(int(np.ceil(0.1 * len(y))), 1)
    top = np.argsort(-np.asarray(p, dtype=float), kind="stable")[:n_top]
    base = y.mean()
    return float(y[top].mean() / base) if base > 0 else float("nan")


def calibration_by_decile(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean predicted vs observed rate per decile of the prediction (equal-count bins by rank)."""
    p = np.asarray(p, dtype=float)
    rank = np.argsort(np.argsort(p, kind="stable"), kind="stable")
    decile = (rank * bins // len(p)) + 1
    frame = pd.DataFrame({"decile": decile, "predicted": p, "observed": np.asarray(y, dtype=float)})
    out = frame.groupby("decile").agg(n=("observed", "size"), predicted=("predicted", "mean"),
                                      observed=("observed", "mean"))
    return out.reset_index()


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``.

    Bins: the deciles (quantile edges) of ``expected``, open at both ends; empty bins count as
    PSI_EPS. PSI = sum((a% - e%) * ln(a% / e%)). NaN values form their own bin.
    """
    return psi_against(psi_bins(expected, bins), actual)


def psi_bins(expected: np.ndarray, bins: int = 10) -> dict:
    """What ``psi`` compares an ``actual`` with: the quantile edges of ``expected`` and its share
    per bin (JSON-ready: a drift check stores it with the champion, ml/monitoring.py)."""
    e = np.asarray(expected, dtype=float)
    finite = e[~np.isnan(e)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])) if len(finite) else []
    return {"n": len(e), "edges": [float(x) for x in edges],
            "shares": [float(x) for x in _bin_shares(e, edges)] if len(e) else []}


def psi_against(reference: dict, actual: np.ndarray) -> float:
    """``psi`` of ``actual`` against a reference's ``psi_bins``."""
    a = np.asarray(actual, dtype=float)
    if reference["n"] == 0 or len(a) == 0:
        return float("nan")
    e_share = np.asarray(reference["shares"], dtype=float)
    a_share = _bin_shares(a, np.asarray(reference["edges"], dtype=float))
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def psi_categorical(expected: pd.Series, actual: pd.Series) -> float:
    """PSI over the categories of a categorical feature (missing is a category)."""
    return psi_categorical_against(category_shares(expected), actual)


def category_shares(expected: pd.Series) -> dict:
    """Each category's share of ``expected`` (missing is a category; categories as text), what
    ``psi_categorical`` compares an ``actual`` with (JSON-ready)."""
    e = _categories(expected).value_counts(normalize=True)
    return {"categories": [str(c) for c in e.index], "shares": [float(x) for x in e.to_numpy()]}


def psi_categorical_against(reference: dict, actual: pd.Series) -> float:
    """``psi_categorical`` of ``actual`` against a reference's ``category_shares``."""
    e = pd.Series(reference["shares"], index=pd.Index(reference["categories"], dtype=object),
                  dtype=float)
    a = _categories(actual).value_counts(normalize=True)
    idx = e.index.union(a.index)
    e_share = np.maximum(e.reindex(idx, fill_value=0).to_numpy(), PSI_EPS)
    a_share = np.maximum(a.reindex(idx, fill_value=0).to_numpy(), PSI_EPS)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def _categories(values: pd.Series) -> pd.Series:
    return values.astype("object").fillna("<missing>").astype(str).astype(object)


def _bin_shares(x: np.ndarray, edges) -> np.ndarray:
    nan = np.isnan(x)
    idx = np.searchsorted(edges, x[~nan], side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    counts = np.r_[counts, nan.sum()]
    return np.maximum(counts / len(x), PSI_EPS)


def information_value(bad_counts: np.ndarray, good_counts: np.ndarray) -> float:
    """IV of a binning: sum over bins of (good% - bad%) * ln(good% / bad%)."""
    b = np.maximum(np.asarray(bad_counts, float) / max(np.sum(bad_counts), 1), PSI_EPS)
    g = np.maximum(np.asarray(good_counts, float) / max(np.sum(good_counts), 1), PSI_EPS)
    return float(np.sum((g - b) * np.log(g / b)))
