"""Markov and Shapley attribution for every conversion type, as tables for the warehouse.

Input: aggregated journeys, one row per (conversion_type, path, converted) with ``journeys`` =
the number of journeys (fct_conversion_paths grouped; identical paths are aggregated first, so
10 M journeys cost no more than their few thousand distinct paths).

Besides the channel-level results, each model yields per-path weights so the warehouse can give
every single conversion a credit: a converting path's credit is split over its distinct channels
in proportion to their removal effects (markov) or Shapley values (shapley); weights of a path
sum to 1. Summed over conversions these per-conversion credits need not equal the channel-level
credit (conversions * RE_c / sum RE), which spreads credit over the whole chain; both are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ml.attribution import PATH_SEPARATOR
from ml.attribution.markov import markov_attribution
from ml.attribution.shapley import shapley_attribution

REQUIRED = ("conversion_type", "path", "converted", "journeys")


@dataclass(frozen=True)
class DataDrivenTables:
    transitions: pd.DataFrame
    removal_effects: pd.DataFrame
    shapley_values: pd.DataFrame
    path_weights: pd.DataFrame


def path_weights(paths: pd.Series, scores: pd.DataFrame) -> pd.DataFrame:
    """Share of each distinct channel of each path, proportional to the channel's score.

    ``scores`` has columns channel, score (>= 0). A path whose channels all score 0 (impossible
    for a converting path under either model, see docs) raises instead of dividing by zero.
    """
    exploded = (pd.DataFrame({"path": paths.unique()})
                .assign(channel=lambda d: d["path"].str.split(PATH_SEPARATOR, regex=False))
                .explode("channel"))
    exploded["channel"] = exploded["channel"].str.strip()
    exploded = exploded.drop_duplicates(["path", "channel"]).merge(scores, on="channel", how="left")
    exploded["score"] = exploded["score"].fillna(0.0)
    total = exploded.groupby("path")["score"].transform("sum")
    if (total <= 0).any():
        raise ValueError(f"path {exploded.loc[total <= 0, 'path'].iloc[0]!r} has no scoring channel")
    exploded["weight"] = exploded["score"] / total
    return exploded[["path", "channel", "weight"]].reset_index(drop=True)


def attribute(aggregated: pd.DataFrame) -> DataDrivenTables:
    missing = set(REQUIRED) - set(aggregated.columns)
    if missing:
        raise ValueError(f"aggregated paths lack column(s) {sorted(missing)}")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in DataDrivenTables.__dataclass_fields__}
    for conversion_type, paths in aggregated.groupby("conversion_type", sort=True):
        paths = paths.reset_index(drop=True)
        markov = markov_attribution(paths)
        shapley = shapley_attribution(paths)
        parts["transitions"].append(markov.transitions.assign(conversion_type=conversion_type))
        parts["removal_effects"].append(markov.removal_effects.assign(
            conversion_type=conversion_type, conversion_probability=markov.conversion_probability))
        parts["shapley_values"].append(shapley.values.assign(conversion_type=conversion_type))
        converting = paths.loc[paths["converted"].astype(bool), "path"]
        for model, scores in (
            ("markov", markov.removal_effects.rename(columns={"removal_effect": "score"})),
            ("shapley", shapley.values.rename(columns={"shapley_value": "score"})),
        ):
            weights = path_weights(converting, scores[["channel", "score"]])
            parts["path_weights"].append(weights.assign(conversion_type=conversion_type, model=model))
    columns = {
        "transitions": ["conversion_type", "from_state", "to_state", "transitions", "probability"],
        "removal_effects": ["conversion_type", "channel", "conversion_probability",
                            "conversion_probability_without", "removal_effect", "credit"],
        "shapley_values": ["conversion_type", "channel", "shapley_value", "credit"],
        "path_weights": ["conversion_type", "model", "path", "channel", "weight"],
    }
    return DataDrivenTables(**{
        name: (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
        .reindex(columns=columns[name])
        for name, frames in parts.items()
    })

