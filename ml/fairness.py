"""Fairness of the credit scorecard at the grade cut-off (docs/ml.md#fairness).

Per group of age band and of gender: applications, scorecard approval rate (grade in
config.APPROVE_GRADES), bad rate of the observable loans, and the adverse-impact ratio = the
group's approval rate / the highest approval rate among the groups of the same attribute.
A ratio below config.ADVERSE_IMPACT_MIN (0.8, the four-fifths rule) is flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml import config

ATTRIBUTES = ("age_band", "gender")


def fairness_table(features: pd.DataFrame, grades: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({
        "approved": np.isin(np.asarray(grades, dtype=object), config.APPROVE_GRADES).astype(float),
        "bad": pd.to_numeric(features[config.CREDIT_LABEL].astype("float"), errors="coerce").to_numpy(),
    })
    out = []
    for attr in ATTRIBUTES:
        frame["group"] = features[attr].astype("object").fillna("unknown").to_numpy()
        g = frame.groupby("group").agg(applications=("approved", "size"),
                                       approval_rate=("approved", "mean"),
                                       observable=("bad", "count"), bad_rate=("bad", "mean"))
        best = g["approval_rate"].max()
        g["adverse_impact_ratio"] = g["approval_rate"] / best if best > 0 else np.nan
        g["flagged"] = g["adverse_impact_ratio"] < config.ADVERSE_IMPACT_MIN
        out.append(g.reset_index().assign(attribute=attr))
    cols = ["attribute", "group", "applications", "approval_rate", "observable", "bad_rate",
            "adverse_impact_ratio", "flagged"]
    return pd.concat(out, ignore_index=True)[cols]
