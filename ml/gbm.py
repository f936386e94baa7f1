"""Gradient-boosting classifier (HistGradientBoosting) over numeric + categorical features:
the credit challenger and the retention model. Categories are ordinal-encoded and handed to the
booster as native categoricals (unknown or missing -> NaN, its own branch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder
from threadpoolctl import threadpool_limits

from lending.settings import DEFAULT_ML_THREADS

# OpenMP threads for boosting (Settings.ml_threads, LENDING_ML_THREADS; lending/settings.py says
# why the default is 1). The entry points set it for what they call (``threads``).
_THREADS: ContextVar[int] = ContextVar("ml_threads", default=DEFAULT_ML_THREADS)


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Fits and predictions inside use ``n`` OpenMP threads."""
    token = _THREADS.set(max(int(n), 1))
    try:
        yield
    finally:
        _THREADS.reset(token)


@contextmanager
def limited_threads() -> Iterator[None]:
    with threadpool_limits(limits=_THREADS.get(), user_api="openmp"):
        yield


def _to_float(x):
    return np.asarray(x, dtype=float)


def gbm_pipeline(numeric: list[str], categorical: list[str], seed: int, n_rows: int) -> Pipeline:
    """Fixed hyper-parameters (no early stopping: its random validation split would make the fit
    depend on more than the seed); leaves hold >= 1% of rows (and >= 50) so thin data does not overfit."""
    encode = ColumnTransformer(
        [
            ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                   encoded_missing_value=np.nan), categorical),
            ("num", FunctionTransformer(_to_float), numeric),
        ],
        sparse_threshold=0,
    )
    booster = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=150,
        max_leaf_nodes=8,
        min_samples_leaf=max(50, n_rows // 100),
        l2_regularization=1.0,
        categorical_features=list(range(len(categorical))),
        early_stopping=False,
        random_state=seed,
    )
    return Pipeline([("encode", encode), ("model", booster)])
