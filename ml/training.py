"""Training of the credit scorecard, its gradient-boosting challenger and the retention model.

Each function takes a feature frame (the dbt feature mart), keeps the rows whose label is
observable, splits out of time, fits, and returns :class:`TrainedModel` objects with the OOT
metrics the gate and the model card use. Deterministic for a fixed seed and data: rows are sorted
by their key first, the estimators get the seed, nothing depends on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml import config, metrics
from ml.data import Split, churn_split, credit_split, sample_at_most
from ml.gbm import gbm_pipeline, limited_threads
from ml.scorecard import WoeScorecard, n_bins_for, prepare


@dataclass
class TrainedModel:
    name: str
    model: object
    kind: str                      # "scorecard" | "gbm"
    features: list[str]
    numeric: list[str]
    categorical: list[str]
    label: str
    split: Split
    metrics: dict[str, float]
    params: dict[str, object]
    train_p: np.ndarray
    oot_p: np.ndarray
    oot_y: np.ndarray
    calibration: pd.DataFrame
    iv: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def n_train(self) -> int:
        return len(self.split.train)

    @property
    def n_oot(self) -> int:
        return len(self.split.oot)


def predict_pd(model, frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> np.ndarray:
    """Probability of the event (bad / churn) from either model kind.

    A boosting pipeline is fed the columns it was fitted on (read from its encoder), so a model
    trained on a subset of the features (see :func:`observed`) scores any feature frame."""
    if isinstance(model, WoeScorecard):
        return model.predict_proba(frame)[:, 1]
    columns = {name: cols for name, _, cols in model.named_steps["encode"].transformers_}
    with limited_threads():
        return model.predict_proba(prepare(frame, list(columns["num"]), list(columns["cat"])))[:, 1]


def evaluate(y: np.ndarray, p: np.ndarray, train_p: np.ndarray | None = None,
             retention: bool = False) -> dict[str, float]:
    """OOT metrics (docs/ml.md#metrics)."""
    out = {"auc_oot": metrics.auc(y, p), "gini_oot": metrics.gini(y, p), "ks_oot": metrics.ks(y, p),
           "brier_oot": metrics.brier(y, p), "event_rate_oot": float(np.mean(y))}
    if train_p is not None:
        out["psi_oot"] = metrics.psi(train_p, p)
    if retention:
        out["pr_auc_oot"] = metrics.pr_auc(y, p)
        out["top_decile_lift_oot"] = metrics.top_decile_lift(y, p)
    return out


def observed(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Columns with at least one observed value: a feature nobody has yet (e.g. days since the
    last payoff on a brand-new portfolio) cannot be binned by the booster."""
    return [c for c in columns if frame[c].notna().any()]


def train_credit(features: pd.DataFrame, seed: int = config.SEED,
                 split: Split | None = None) -> list[TrainedModel]:
    """The WOE scorecard (champion candidate of ``credit_pd``) and the GBM challenger
    (``credit_pd_gbm``), on the same out-of-time split (``credit_split(features)`` unless given)."""
    split = split or credit_split(features)
    y_train = split.train[config.CREDIT_LABEL].to_numpy()
    y_oot = split.oot[config.CREDIT_LABEL].to_numpy()
    num, cat = config.CREDIT_NUMERIC, config.CREDIT_CATEGORICAL
    n_bins = n_bins_for(int(y_train.sum()))
    card = WoeScorecard(numeric=num, categorical=cat, max_n_bins=n_bins).fit(split.train, y_train)
    g_num, g_cat = observed(split.train, num), observed(split.train, cat)
    gbm = gbm_pipeline(g_num, g_cat, seed, len(split.train))
    with limited_threads():
        gbm.fit(prepare(split.train, g_num, g_cat), y_train)
    out = []
    for name, model, kind in ((config.CREDIT_MODEL, card, "scorecard"),
                              (config.CREDIT_GBM_MODEL, gbm, "gbm")):
        if kind == "gbm":
            num, cat = g_num, g_cat
        train_p = predict_pd(model, split.train, num, cat)
        oot_p = predict_pd(model, split.oot, num, cat)
        m = evaluate(y_oot, oot_p, train_p)
        m["auc_train"] = metrics.auc(y_train, train_p)
        params = {"seed": seed, "kind": kind, "max_n_bins": n_bins if kind == "scorecard" else None,
                  "base_score": config.BASE_SCORE, "base_odds": config.BASE_ODDS, "pdo": config.PDO,
                  "label": "ever DPD>30 by end of MOB 6", "oot_share": config.OOT_SHARE}
        notes = []
        if n_bins < config.MAX_BINS:
            notes.append(f"thin data: {int(y_train.sum())} training bads -> at most {n_bins} bins "
                         "per feature")
        out.append(TrainedModel(
            name=name, model=model, kind=kind, features=num + cat, numeric=num, categorical=cat,
            label=config.CREDIT_LABEL, split=split, metrics=m, params=params, train_p=train_p,
            oot_p=oot_p, oot_y=y_oot, calibration=metrics.calibration_by_decile(y_oot, oot_p),
            iv=card.iv_ if kind == "scorecard" else {}, notes=notes))
    return out


def train_churn(features: pd.DataFrame, seed: int = config.SEED,
                split: Split | None = None) -> TrainedModel:
    split = split or churn_split(features)
    train = sample_at_most(split.train, config.MAX_TRAIN_ROWS, seed)  # the OOT set stays whole
    num = observed(train, config.CHURN_NUMERIC)
    cat = observed(train, config.CHURN_CATEGORICAL)
    y_train = train[config.CHURN_LABEL].to_numpy()
    y_oot = split.oot[config.CHURN_LABEL].to_numpy()
    model = gbm_pipeline(num, cat, seed, len(train))
    with limited_threads():
        model.fit(prepare(train, num, cat), y_train)
    train_p = predict_pd(model, train, num, cat)
    oot_p = predict_pd(model, split.oot, num, cat)
    m = evaluate(y_oot, oot_p, train_p, retention=True)
    m["auc_train"] = metrics.auc(y_train, train_p)
    params = {"seed": seed, "kind": "gbm", "label": "no app event in the 60 days after the snapshot",
              "oot_share": config.OOT_SHARE}
    return TrainedModel(
        name=config.CHURN_MODEL, model=model, kind="gbm", features=num + cat, numeric=num,
        categorical=cat, label=config.CHURN_LABEL, split=split, metrics=m, params=params,
        train_p=train_p, oot_p=oot_p, oot_y=y_oot,
        calibration=metrics.calibration_by_decile(y_oot, oot_p))
