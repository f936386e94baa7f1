"""Reading the feature marts and the out-of-time split (plain pandas, no Dagster)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lending.warehouse import Warehouse

FEATURE_SCHEMA = "marts"


class InsufficientDataError(RuntimeError):
    """Too little labelled data to train or validate; nothing is registered, the champion stays."""


def read_table(warehouse: Warehouse, table: str, schema: str = FEATURE_SCHEMA) -> pd.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return con.execute(f'select * from "{schema}"."{table}"').df()


def sample_at_most(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``frame`` itself when it has at most ``n`` rows, else a seeded uniform sample of ``n``
    rows in their original order (the same data and seed give the same rows)."""
    if len(frame) <= n:
        return frame
    return frame.sample(n=n, random_state=seed).sort_index()


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    oot: pd.DataFrame
    train_from: str
    train_to: str
    oot_from: str
    oot_to: str


def out_of_time_split(labelled: pd.DataFrame, time_col: str, oot_share: float) -> Split:
    """Train on the older periods, validate on the newest ones.

    The OOT set is the latest values of ``time_col`` (months) taken newest first until they hold
    at least ``oot_share`` of the rows; at least one period must remain for training.
    """
    months = pd.to_datetime(labelled[time_col])
    counts = months.value_counts().sort_index(ascending=False)
    if len(counts) < 2:
        raise InsufficientDataError(
            f"out-of-time split needs labelled rows in at least 2 periods of {time_col}; "
            f"found {len(counts)}")
    share = counts.cumsum() / counts.sum()
    n_oot_months = int(np.argmax(share.to_numpy() >= oot_share)) + 1
    n_oot_months = min(n_oot_months, len(counts) - 1)
    oot_start = counts.index[n_oot_months - 1]
    is_oot = (months >= oot_start).to_numpy()
    train, oot = labelled[~is_oot], labelled[is_oot]
    fmt = "%Y-%m-%d"
    m_train, m_oot = months[~is_oot], months[is_oot]
    return Split(train, oot, m_train.min().strftime(fmt), m_train.max().strftime(fmt),
                 m_oot.min().strftime(fmt), m_oot.max().strftime(fmt))
