"""The training digest (ml/digest.py): the same rows in any order give the same digest; any
changed value, column, type or seed gives another."""

import pandas as pd

from ml.digest import training_digest


def frame() -> pd.DataFrame:
    return pd.DataFrame({"application_id": ["a1", "a2", "a3"], "bureau_score": [600, 650, 700],
                         "applied_month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01"]),
                         "is_bad": [0, 1, 0]})


def test_row_order_does_not_matter_but_every_input_does():
    base = training_digest(frame(), seed=42)
    assert training_digest(frame().iloc[::-1].reset_index(drop=True), seed=42) == base
    changed = frame()
    changed.loc[1, "bureau_score"] = 651
    retyped = frame().astype({"bureau_score": "float64"})
    extra = frame().assign(city_tier=1)
    fewer = frame().iloc[:2]
    digests = [training_digest(f, seed=42) for f in (changed, retyped, extra, fewer)]
    digests.append(training_digest(frame(), seed=43))
    assert len({base, *digests}) == 6
