"""A champion's drift reference, computed once per champion and training window, then stored.

Why: the drift checks compare the newest period with the champion's training window every day.
The window is fixed per champion, but it is large (at L ~3.5M user-months for churn, ~1M
applications for credit): reading, sampling and scoring it was most of the checks' daily cost,
for a result that only changes when the window does. Its profile
(``ml.monitoring.reference_profile``: bins and shares of the score and of each feature) depends
on the champion version, the window's feature values as a multiset (not on other columns: the
feature table's ``as_of_date`` moves every day), and the code; stored under a key of exactly
those, a day reads and scores only its own period. A late or corrected row inside the window, a
new champion or a code change computes it again, so the stored profile is always the one a fresh
computation would give (tests/unit/ml/test_drift_reference.py).

Stored as JSON under ``<data dir>/monitoring/<model>.json`` (one file per model, replaced
atomically): it is a cache, deleting it costs one recomputation.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lending.warehouse import Warehouse
from ml import config
from ml.data import read_sample_between, window_digest
from ml.digest import add_code
from ml.monitoring import Drift, drift_against, reference_profile
from ml.training import predict_pd


def reference_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "monitoring"


def champion_drift(warehouse: Warehouse, data_dir: str | Path, model_name: str, version: str,
                   load_model: Callable[[], Any], table: str, window_column: str, start, end,
                   current: pd.DataFrame, numeric: list[str], categorical: list[str],
                   current_p: np.ndarray | None = None) -> Drift:
    """Drift of ``current`` against the rows of ``table`` with ``start <= window_column <= end``
    (the champion's training window), the window's profile read from the store when its key
    matches. ``version`` names the champion uniquely (the checks pass its registry version and
    MLflow run id). ``current_p``: the champion's scores of ``current`` when already known (the
    stored scores); the champion is loaded (``load_model``) only for what is not."""
    profile = champion_reference(warehouse, data_dir, model_name, version, load_model, table,
                                 window_column, start, end, numeric, categorical)
    if current_p is None:
        current_p = predict_pd(load_model(), current, numeric, categorical)
    return drift_against(profile, current, current_p, numeric, categorical)


def champion_reference(warehouse: Warehouse, data_dir: str | Path, model_name: str, version: str,
                       load_model: Callable[[], Any], table: str, window_column: str, start, end,
                       numeric: list[str], categorical: list[str]) -> dict:
    """The window's ``reference_profile``: the stored one when its key is this key, else
    computed from a row-determined sample of the window (``read_sample_between``) and stored."""
    columns = [*numeric, *categorical]  # all the profile reads (the score is computed from them)
    key = hashlib.sha256(json.dumps(
        [model_name, str(version), table, window_column, str(start), str(end), numeric,
         categorical, config.MAX_REFERENCE_ROWS, config.SEED,
         window_digest(warehouse, table, columns, window_column, start, end)]).encode())
    add_code(key)
    path = reference_dir(data_dir) / f"{model_name}.json"
    stored = _read(path)
    if stored is not None and stored.get("key") == key.hexdigest():
        return stored["profile"]
    reference = read_sample_between(warehouse, table, columns, window_column, start, end,
                                    config.MAX_REFERENCE_ROWS, config.SEED)
    profile = reference_profile(load_model(), reference, numeric, categorical)
    _write(path, {"key": key.hexdigest(), "profile": profile})
    return profile


def _read(path: Path) -> dict | None:
    """The stored entry, or None when there is none or it cannot be read (then it is computed
    again and replaced: a cache never fails a check)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(path: Path, entry: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(entry), encoding="utf-8")
    os.replace(tmp, path)
