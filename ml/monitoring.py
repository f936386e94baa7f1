"""Drift, decay and fairness of the champions (plain functions behind the Dagster asset checks).

- PSI of the score and of every model feature: the newest period (latest application month /
  latest snapshot) against the champion's training window; worst value decides, warn at
  config.PSI_WARN, fail at config.PSI_FAIL.
- AUC decay: champion AUC on loans that became observable after its OOT window (disbursed after
  oot_to) vs its AUC at training; warn when lower by more than config.AUC_DECAY_WARN.
- Fairness: ml.fairness at the grade cut-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml import config, metrics
from ml.data import sample_at_most
from ml.training import predict_pd


@dataclass(frozen=True)
class Drift:
    score_psi: float
    feature_psi: dict[str, float]
    n_reference: int
    n_current: int

    @property
    def worst(self) -> tuple[str, float]:
        values = {"score": self.score_psi, **self.feature_psi}
        values = {k: v for k, v in values.items() if v == v}
        if not values:
            return "score", float("nan")
        name = max(values, key=values.get)
        return name, values[name]

    def level(self) -> str:
        """ok | warn | fail by the worst PSI."""
        _, worst = self.worst
        if worst != worst:
            return "ok"
        return "fail" if worst >= config.PSI_FAIL else "warn" if worst >= config.PSI_WARN else "ok"


def reference_profile(model, reference: pd.DataFrame, numeric: list[str],
                      categorical: list[str]) -> dict:
    """What the drift of any later period is measured against: the bins and shares of the
    champion's score and of each feature over ``reference`` (at most config.MAX_REFERENCE_ROWS of
    it: PSI compares shares per bin, and a sample of a large training window gives the same
    shares). JSON-ready, so it is computed once per champion and window (``champion_drift``)."""
    reference = sample_at_most(reference, config.MAX_REFERENCE_ROWS, config.SEED)
    return {"n": len(reference),
            "score": metrics.psi_bins(predict_pd(model, reference, numeric, categorical)),
            "numeric": {c: metrics.psi_bins(_numbers(reference[c])) for c in numeric},
            "categorical": {c: metrics.category_shares(reference[c]) for c in categorical}}


def drift_against(profile: dict, current: pd.DataFrame, current_p: np.ndarray,
                  numeric: list[str], categorical: list[str]) -> Drift:
    """PSI of ``current``'s score (``current_p``, the champion's on its rows) and features against
    a ``reference_profile``."""
    feats = {c: metrics.psi_against(profile["numeric"][c], _numbers(current[c])) for c in numeric}
    feats |= {c: metrics.psi_categorical_against(profile["categorical"][c], current[c])
              for c in categorical}
    return Drift(metrics.psi_against(profile["score"], np.asarray(current_p, dtype=float)), feats,
                 profile["n"], len(current))


def drift(model, reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str],
          categorical: list[str]) -> Drift:
    return drift_against(reference_profile(model, reference, numeric, categorical), current,
                         predict_pd(model, current, numeric, categorical), numeric, categorical)


def _numbers(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(float)


def credit_decay(features: pd.DataFrame, oot_to, auc_at_training: float,
                 score: Callable[[pd.DataFrame], np.ndarray]) -> dict:
    """Champion AUC on loans disbursed after its OOT window whose label is now observable
    (``score``: the champion's PD of such rows)."""
    later = features[features[config.CREDIT_LABEL].notna()
                     & (pd.to_datetime(features[config.CREDIT_TIME]) > pd.Timestamp(oot_to))]
    y = later[config.CREDIT_LABEL].astype(bool).astype(int).to_numpy()
    if len(later) < config.CREDIT_MIN_OOT or y.sum() == 0 or y.sum() == len(y):
        return {"n": len(later), "auc_now": float("nan"), "auc_at_training": auc_at_training,
                "decayed": False}
    auc_now = metrics.auc(y, score(later))
    return {"n": len(later), "auc_now": auc_now, "auc_at_training": auc_at_training,
            "decayed": bool(auc_now < auc_at_training - config.AUC_DECAY_WARN)}


def psi_table(d: Drift) -> pd.DataFrame:
    rows = [("score", d.score_psi)] + sorted(d.feature_psi.items(), key=lambda kv: -np.nan_to_num(kv[1]))
    return pd.DataFrame(rows, columns=["variable", "psi"])
