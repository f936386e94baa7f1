"""What a training run depends on, as one digest: a run whose inputs are those of the latest
registered version is not repeated.

Why: the build retrains the credit and churn models on every run. Training is seeded, so the same
feature rows, seed and model code give the same model again: a new registry version identical to
the last one, ~25 s of a demo run with no new data, and a gate decision that means nothing. The
Dagster assets pass ``only_if_changed``: such a run registers nothing and says so.

The digest covers the feature rows as a set (one hash per row, sorted: the order in which the
warehouse returns them does not matter), the column names and types, the seed, and the source of
every module of the ``ml`` package (features, hyperparameters, gate and scaling are all there). A
new day of data, a changed feature or a code change trains again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

ML_PACKAGE = Path(__file__).parent
TAG = "training_digest"  # the registry tag each version carries


class TrainingUnchanged(RuntimeError):  # noqa: N818 - an outcome, like InsufficientDataError
    """Nothing was trained: the inputs are those of the latest registered version(s)."""


def training_digest(features: pd.DataFrame, seed: int) -> str:
    digest = hashlib.sha256(repr([(c, str(t)) for c, t in features.dtypes.items()]).encode())
    rows = np.sort(pd.util.hash_pandas_object(features, index=False).to_numpy())
    digest.update(rows.tobytes())
    digest.update(f"\nseed={seed}".encode())
    add_code(digest)
    return digest.hexdigest()


def add_code(digest) -> None:
    """Add the source of every module of the ``ml`` package to ``digest``: what the package
    computes from its inputs is decided there (a stored result of older code is not reused)."""
    for path in sorted(ML_PACKAGE.glob("*.py")):
        digest.update(f"\n{path.name}\n".encode() + path.read_bytes())
