"""Exact Shapley values of channels, enumerating every channel subset (2^n, n <= 16).

Formulation (the "coalition" game of Shapley-value attribution): r(T) = conversion rate of the
journeys whose set of channels is exactly T (0 for a set no journey has); the worth of a
coalition S is v(S) = sum of r(T) over all non-empty T contained in S, i.e. what the channels in S
achieve together in every combination they can form. The Shapley value of c is the average, over
all orders in which channels join, of c's marginal worth v(S + c) - v(S); computed exactly by
enumerating subsets (vectorised over bit masks). Because v is a sum of "unanimity" games, the
result equals sum over T containing c of r(T) / |T| (a property the tests check, not a shortcut
the code takes). Credits scale the values to the number of conversions:
credit_c = conversions * phi_c / sum(phi). All values are >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np
import pandas as pd

from ml.attribution import PATH_SEPARATOR

MAX_CHANNELS = 16


@dataclass(frozen=True)
class ShapleyResult:
    values: pd.DataFrame  # channel, shapley_value, credit
    conversions: float


def subset_masks(paths: pd.Series, channels: list[str]) -> np.ndarray:
    """Bit mask of each path's channel set (bit i = channels[i])."""
    bit = {c: 1 << i for i, c in enumerate(channels)}
    exploded = paths.astype(str).str.split(PATH_SEPARATOR, regex=False).explode().str.strip()
    bits = exploded.map(bit)
    if bits.isna().any():
        raise ValueError(f"path channel {exploded[bits.isna()].iloc[0]!r} not in the channel list")
    # OR of distinct bits = sum of distinct bits
    frame = pd.DataFrame({"row": exploded.index, "bit": bits.astype(np.int64)}).drop_duplicates()
    return frame.groupby("row")["bit"].sum().reindex(range(len(paths))).to_numpy(np.int64)


def coalition_worth(masks: np.ndarray, converted: np.ndarray, journeys: np.ndarray,
                    n: int) -> np.ndarray:
    """v over all 2^n masks: conversion rate per exact set, summed over subsets (zeta transform)."""
    size = 1 << n
    conv = np.bincount(masks, weights=journeys * converted, minlength=size)
    total = np.bincount(masks, weights=journeys, minlength=size)
    v = np.divide(conv, total, out=np.zeros(size), where=total > 0)
    v[0] = 0.0
    for i in range(n):  # subset-sum transform, one vectorised pass per channel
        has_bit = (np.arange(size) >> i) & 1 == 1
        v[has_bit] += v[np.arange(size)[has_bit] ^ (1 << i)]
    return v


def shapley_from_worth(v: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of a game given by its worth on every mask of n players."""
    masks = np.arange(1 << n)
    sizes = np.bitwise_count(masks)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) if s < n else 0.0
                       for s in range(n + 1)])
    phi = np.zeros(n)
    for i in range(n):  # per player, vectorised over all coalitions without it
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.sum(weight[sizes[without]] * (v[without | (1 << i)] - v[without]))
    return phi


def shapley_attribution(paths: pd.DataFrame) -> ShapleyResult:
    """Shapley values and credits of one conversion type (columns path, converted, journeys)."""
    paths = paths.reset_index(drop=True)
    channels = sorted({c.strip() for p in paths["path"].astype(str)
                       for c in p.split(PATH_SEPARATOR)})
    n = len(channels)
    if n > MAX_CHANNELS:
        raise ValueError(f"exact Shapley over {n} channels (> {MAX_CHANNELS}) is too expensive")
    converted = paths["converted"].astype(bool).to_numpy(float)
    journeys = paths["journeys"].to_numpy(float)
    conversions = float(np.sum(converted * journeys))
    if n == 0:
        return ShapleyResult(pd.DataFrame({"channel": [], "shapley_value": [], "credit": []}), 0.0)
    v = coalition_worth(subset_masks(paths["path"], channels), converted, journeys, n)
    phi = shapley_from_worth(v, n)
    credit = conversions * phi / phi.sum() if phi.sum() > 0 else np.zeros(n)
    return ShapleyResult(pd.DataFrame({"channel": channels, "shapley_value": phi, "credit": credit}),
                         conversions)
