"""First-order Markov chain attribution with the removal effect, solved exactly.

States: ``start``, one per channel, and the absorbing ``conversion`` and ``null``. Every journey
contributes the transitions start -> c1 -> ... -> ck -> (conversion | null), weighted by its
journey count; consecutive repeats of a channel are collapsed first (a -> a is not a transition),
so the chain models *changes* of channel. P(conversion) is the probability of absorption in
``conversion`` starting from ``start``: with Q the transient-to-transient and r the
transient-to-conversion probabilities, x = (I - Q)^-1 r and P = x[start] (one linear solve, no
simulation). Removing channel c sends every transition into c to ``null`` (c's row and column
leave Q). Removal effect RE_c = 1 - P(conversion | c removed) / P(conversion); the channel's
credit = total conversions * RE_c / sum(RE).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.attribution import PATH_SEPARATOR

START, CONVERSION, NULL = "start", "conversion", "null"


@dataclass(frozen=True)
class MarkovResult:
    transitions: pd.DataFrame  # from_state, to_state, transitions, probability
    removal_effects: pd.DataFrame  # channel, conversion_probability_without, removal_effect, credit
    conversion_probability: float
    conversions: float


def transition_counts(paths: pd.DataFrame) -> pd.DataFrame:
    """Transition counts from aggregated journeys (columns path, converted, journeys).

    Vectorised: each path becomes its state sequence (start, channels, outcome), exploded to one
    row per state; a transition is a state and the next one in the same journey group.
    """
    _check_columns(paths)
    if paths.empty:
        return pd.DataFrame({"from_state": pd.Series(dtype=str), "to_state": pd.Series(dtype=str),
                             "transitions": pd.Series(dtype=float)})
    outcome = np.where(paths["converted"].astype(bool), CONVERSION, NULL)
    sequence = (START + PATH_SEPARATOR + paths["path"].astype(str) + PATH_SEPARATOR + outcome)
    states = (
        pd.DataFrame({"group": np.arange(len(paths)), "journeys": paths["journeys"].to_numpy(float),
                      "state": sequence.str.split(PATH_SEPARATOR, regex=False)})
        .explode("state", ignore_index=True)
    )
    states["state"] = states["state"].str.strip()
    if (states["state"] == "").any():
        bad = paths["path"].iloc[states.loc[states["state"] == "", "group"].iloc[0]]
        raise ValueError(f"malformed attribution path {bad!r}: empty channel name")
    reserved = states["state"].isin([START, CONVERSION, NULL])
    is_outer = states.groupby("group").cumcount().eq(0) | states["group"].ne(
        states["group"].shift(-1))
    if (reserved & ~is_outer).any():
        raise ValueError(f"a channel may not be named {START!r}, {CONVERSION!r} or {NULL!r}")
    # Collapse consecutive repeats of a channel inside a journey.
    repeat = states["group"].eq(states["group"].shift()) & states["state"].eq(states["state"].shift())
    states = states.loc[~repeat].reset_index(drop=True)
    nxt = states.shift(-1)
    step = states["group"].eq(nxt["group"])
    pairs = pd.DataFrame({"from_state": states.loc[step, "state"], "to_state": nxt.loc[step, "state"],
                          "transitions": states.loc[step, "journeys"]})
    return (pairs.groupby(["from_state", "to_state"], as_index=False, sort=True)["transitions"].sum())


def _check_columns(paths: pd.DataFrame) -> None:
    missing = {"path", "converted", "journeys"} - set(paths.columns)
    if missing:
        raise ValueError(f"aggregated paths lack column(s) {sorted(missing)}")
    if (paths["journeys"] <= 0).any():
        raise ValueError("aggregated paths: journeys must be positive")


def _conversion_probability(q: np.ndarray, r: np.ndarray) -> float:
    """Absorption probability in ``conversion`` from state 0 (start): solve (I - Q) x = r."""
    x = np.linalg.solve(np.eye(len(q)) - q, r)
    return float(x[0])


def markov_attribution(paths: pd.DataFrame) -> MarkovResult:
    """Transition probabilities, removal effects and credits of one conversion type."""
    counts = transition_counts(paths)
    conversions = float(paths.loc[paths["converted"].astype(bool), "journeys"].sum()) if len(
        paths) else 0.0
    channels = sorted(set(counts["from_state"]) - {START})
    transient = [START, *channels]
    index = {s: i for i, s in enumerate(transient)}
    n = len(transient)
    q = np.zeros((n, n))
    r = np.zeros(n)
    totals = counts.groupby("from_state")["transitions"].transform("sum")
    counts = counts.assign(probability=counts["transitions"] / totals)
    into_channel = counts["to_state"].isin(index)
    rows = counts["from_state"].map(index).to_numpy()
    np.add.at(q, (rows[into_channel], counts.loc[into_channel, "to_state"].map(index).to_numpy()),
              counts.loc[into_channel, "probability"].to_numpy())
    into_conversion = (counts["to_state"] == CONVERSION).to_numpy()
    np.add.at(r, rows[into_conversion], counts.loc[into_conversion, "probability"].to_numpy())

    base = _conversion_probability(q, r) if n else 0.0
    without = []
    for c in channels:  # one solve per channel (<= a dozen), not per journey
        keep = np.array([s != c for s in transient])
        without.append(_conversion_probability(q[np.ix_(keep, keep)], r[keep]))
    without = np.array(without, dtype=float)
    effect = 1.0 - without / base if base > 0 else np.zeros(len(channels))
    total_effect = effect.sum()
    credit = conversions * effect / total_effect if total_effect > 0 else np.zeros(len(channels))
    removal = pd.DataFrame({"channel": channels, "conversion_probability_without": without,
                            "removal_effect": effect, "credit": credit})
    return MarkovResult(transitions=counts, removal_effects=removal, conversion_probability=base,
                        conversions=conversions)
