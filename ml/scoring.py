"""Scores back to the warehouse: ml.credit_scores and ml.churn_scores (vectorised, batch).

The scoring step refreshes them row by row (ml/score_refresh.py: only rows whose model inputs
changed are scored again); ``write`` rewrites a table whole (create or replace). Either way,
re-running is safe and never duplicates rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lending.warehouse import Warehouse
from ml import config
from ml.score_tables import CHURN_SELECT, CREDIT_SELECT
from ml.scorecard import WoeScorecard, grade, score_from_pd
from ml.training import predict_pd


def credit_scores(model, features: pd.DataFrame, model_version: str) -> pd.DataFrame:
    """Every application: pd, score, grade, reason_1..3 (reasons only from the scorecard)."""
    if isinstance(model, WoeScorecard):
        out = model.explain(features)
    else:
        pd_ = predict_pd(model, features, config.CREDIT_NUMERIC, config.CREDIT_CATEGORICAL)
        score = score_from_pd(pd_)
        out = pd.DataFrame({"pd": pd_, "score": score, "grade": grade(score),
                            "reason_1": None, "reason_2": None, "reason_3": None})
    out.insert(0, "application_id", features["application_id"].to_numpy())
    out.insert(1, "model_name", config.CREDIT_MODEL)
    out.insert(2, "model_version", str(model_version))
    out["score"] = np.round(out["score"]).astype(int)
    out["grade"] = grade(out["score"].to_numpy())  # the grade of the published (rounded) score
    return out.reset_index(drop=True)


def band(p: np.ndarray) -> np.ndarray:
    names = np.array([b for b, _ in config.CHURN_BANDS], dtype=object)
    bounds = np.array([lo for _, lo in config.CHURN_BANDS])
    idx = (np.asarray(p, dtype=float)[:, None] < bounds[None, :]).sum(axis=1)
    return names[np.minimum(idx, len(names) - 1)]


def churn_scores(model, features: pd.DataFrame, model_version: str) -> pd.DataFrame:
    """Users active at the latest snapshot: churn probability and band."""
    latest = features[config.CHURN_SNAPSHOT].max()
    current = features[features[config.CHURN_SNAPSHOT] == latest].sort_values("user_id")
    p = predict_pd(model, current, config.CHURN_NUMERIC, config.CHURN_CATEGORICAL)
    return pd.DataFrame({
        "user_id": current["user_id"].to_numpy(), "snapshot_date": current["snapshot_date"].to_numpy(),
        "model_name": config.CHURN_MODEL, "model_version": str(model_version),
        "churn_probability": p, "churn_band": band(p),
    })


CREDIT_DDL = f"create or replace table ml.credit_scores as {CREDIT_SELECT}"
CHURN_DDL = f"create or replace table ml.churn_scores as {CHURN_SELECT}"


def write(frame: pd.DataFrame, ddl: str, warehouse: Warehouse) -> int:
    with warehouse.connect() as con:
        con.execute("create schema if not exists ml")
        con.register("frame", frame)
        con.execute(ddl)
        con.unregister("frame")
    return len(frame)
