"""Reading the feature marts, the out-of-time split and the thin-data minimums (plain pandas, no
Dagster, nothing heavy to import: a too-young portfolio is told so before scikit-learn or MLflow
load)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lending.warehouse import Warehouse, relation_exists
from ml import config

FEATURE_SCHEMA = "marts"


class InsufficientDataError(RuntimeError):
    """Too little labelled data to train or validate; nothing is registered, the champion stays."""


def read_table(warehouse: Warehouse, table: str, schema: str = FEATURE_SCHEMA) -> pd.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return con.execute(f'select * from "{schema}"."{table}"').df()


def read_latest(warehouse: Warehouse, table: str, column: str,
                schema: str = FEATURE_SCHEMA) -> pd.DataFrame:
    """The rows of ``table`` whose ``column`` is its greatest value (nulls never are), in table
    order: what ``frame[frame[column] == frame[column].max()]`` keeps, filtered by the engine.
    Why: the churn scores need the latest snapshot only (at L, 0.5M of 5.6M user-months, which
    were all read into pandas every day to keep those)."""
    relation = f'"{schema}"."{table}"'
    with warehouse.connect(read_only=True) as con:
        return con.execute(f'select * from {relation} '
                           f'where "{column}" = (select max("{column}") from {relation})').df()


def read_labelled_after(warehouse: Warehouse, table: str, label: str, column: str, after,
                        schema: str = FEATURE_SCHEMA) -> pd.DataFrame:
    """The rows of ``table`` with a ``label`` and ``column > after``, in table order, filtered by
    the engine. Why: the AUC decay check scores only the loans observed after the champion's OOT
    window, not every application."""
    with warehouse.connect(read_only=True) as con:
        return con.execute(f'select * from "{schema}"."{table}" '
                           f'where "{label}" is not null and "{column}" > ?', [after]).df()


def read_with_scores(warehouse: Warehouse, table: str, columns: list[str], key: str,
                     scores_table: str, score_columns: list[str],
                     schema: str = FEATURE_SCHEMA) -> pd.DataFrame:
    """``columns`` of ``table`` joined (inner, on ``key``) with ``score_columns`` of
    ``ml.<scores_table>``, by the engine: what the fairness check needs of ~1M applications at L,
    not every feature of them."""
    select = ", ".join([f'f."{c}"' for c in columns] + [f's."{c}"' for c in score_columns])
    with warehouse.connect(read_only=True) as con:
        return con.execute(f'select {select} from "{schema}"."{table}" as f '
                           f'join ml."{scores_table}" as s using ("{key}")').df()


def stored_scores(warehouse: Warehouse, frame: pd.DataFrame, keys: list[str], table: str,
                  column: str, version: str, schema: str = "ml") -> np.ndarray | None:
    """``column`` of ``<schema>.<table>`` for each row of ``frame`` (matched on ``keys``, in
    ``frame``'s order) as scored by ``version``; None when any row has no such score (not scored
    yet, scored by another version, or no table). Why: the checks measure the champion's scores
    of rows the scoring step has just scored (ml/score_refresh.py); reading them is a join, not
    a model load and a prediction per row (at L 0.5M users of the latest snapshot)."""
    if frame.empty:
        return np.empty(0)
    lookup = frame[keys].reset_index(drop=True).assign(_row=np.arange(len(frame)))
    match = " and ".join(f'k."{c}" is not distinct from s."{c}"' for c in keys)
    with warehouse.connect(read_only=True) as con:
        if not relation_exists(con, schema, table):
            return None
        con.register("_keys", lookup)
        found = con.execute(
            f'select k._row, s."{column}" as p from _keys as k left join "{schema}"."{table}" as s '
            f"on {match} and s.model_version = ? order by k._row", [str(version)]).df()
    if len(found) != len(frame) or found["p"].isna().any():
        return None
    return found["p"].to_numpy(float)


def champion_scores(warehouse: Warehouse, population, load_model: Callable[[], Any],
                    version, numeric: list[str], categorical: list[str]
                    ) -> Callable[[pd.DataFrame], np.ndarray]:
    """A scorer of feature frames of ``population`` (ml/score_tables.py) by the champion
    ``version``: its stored scores when every row has one of that version (``stored_scores``),
    else the probabilities of the model ``load_model`` returns (called only then)."""

    def score(frame: pd.DataFrame) -> np.ndarray:
        stored = stored_scores(warehouse, frame, list(population.keys), population.scores,
                               population.probability, str(version))
        if stored is not None:
            return stored
        from ml.training import predict_pd  # scikit-learn: only when a model must score

        return predict_pd(load_model(), frame, numeric, categorical)

    return score


def read_sample_between(warehouse: Warehouse, table: str, columns: list[str], column: str,
                        start, end, n: int, seed: int,
                        schema: str = FEATURE_SCHEMA) -> pd.DataFrame:
    """``columns`` of at most ``n`` rows of ``table`` with ``start <= column <= end``: all of
    them when there are no more, else the ``n`` with the least hash of (their ``columns``,
    ``seed``), chosen by the engine. Why: a sample that depends on those values only (not on the
    rows' order, nor on other columns such as an as-of date that every rebuild moves) is the
    same whenever they are, so what is computed from it can be stored and reused (a drift
    check's reference, ml/drift_reference.py), and pandas never holds more than ``n`` rows (at L
    a churn training window is ~3.5M user-months)."""
    select = ", ".join(f'"{c}"' for c in columns)
    with warehouse.connect(read_only=True) as con:
        return con.execute(f'select {select} from "{schema}"."{table}" '
                           f'where "{column}" between ? and ? '
                           f'order by hash({select}, ?::bigint) limit ?',
                           [start, end, seed, n]).df()


def window_digest(warehouse: Warehouse, table: str, columns: list[str], column: str, start, end,
                  schema: str = FEATURE_SCHEMA) -> str:
    """A digest of ``columns`` of the rows of ``table`` with ``start <= column <= end``, as a
    multiset (the count and the sum of the rows' hashes), and of those columns' types: it
    changes when such a row is added, removed or has one of ``columns`` changed, and not when
    the rows are only reordered or another column changes. One scan by the engine."""
    select = ", ".join(f'"{c}"' for c in columns)
    with warehouse.connect(read_only=True) as con:
        types = con.execute(
            "select list(column_name || ' ' || data_type order by column_name) "
            "from information_schema.columns "
            "where table_schema = ? and table_name = ? and list_contains(?, column_name)",
            [schema, table, columns]).fetchone()[0]
        count, total = con.execute(
            f'select count(*), coalesce(sum(hash({select})::hugeint), 0)::varchar '
            f'from "{schema}"."{table}" where "{column}" between ? and ?',
            [start, end]).fetchone()
    return f"{count}:{total}:{types}"


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


def labelled_rows(frame: pd.DataFrame, label: str, key: list[str]) -> pd.DataFrame:
    """The rows whose ``label`` is observable, sorted by ``key`` (deterministic), label as 0/1."""
    out = frame[frame[label].notna()].sort_values(key, kind="stable").reset_index(drop=True)
    out[label] = out[label].astype(bool).astype(int)
    return out


def credit_split(features: pd.DataFrame) -> Split:
    """Mature loans (label observable) split by disbursement month; enforces the thin-data minimums."""
    data = labelled_rows(features, config.CREDIT_LABEL, ["application_id"])
    n, bads = len(data), int(data[config.CREDIT_LABEL].sum())
    if n < config.CREDIT_MIN_MATURE or bads < config.CREDIT_MIN_BADS:
        raise InsufficientDataError(
            f"credit model needs >= {config.CREDIT_MIN_MATURE} mature loans with >= "
            f"{config.CREDIT_MIN_BADS} bads (MOB 6 ended); found {n} loans, {bads} bads. "
            "Nothing was trained; the champion is unchanged.")
    split = out_of_time_split(data, config.CREDIT_TIME, config.OOT_SHARE)
    oot_bads = int(split.oot[config.CREDIT_LABEL].sum())
    if len(split.oot) < config.CREDIT_MIN_OOT or oot_bads == 0 or split.train[config.CREDIT_LABEL].sum() == 0:
        raise InsufficientDataError(
            f"credit OOT set ({split.oot_from}..{split.oot_to}) has {len(split.oot)} loans and "
            f"{oot_bads} bads; needs >= {config.CREDIT_MIN_OOT} loans and at least one bad. "
            "Nothing was trained; the champion is unchanged.")
    return split


def churn_split(features: pd.DataFrame) -> Split:
    data = labelled_rows(features, config.CHURN_LABEL, ["snapshot_date", "user_id"])
    n, events = len(data), int(data[config.CHURN_LABEL].sum())
    if n < config.CHURN_MIN_ROWS or events < config.CHURN_MIN_EVENTS or events == n:
        raise InsufficientDataError(
            f"churn model needs >= {config.CHURN_MIN_ROWS} labelled user snapshots with >= "
            f"{config.CHURN_MIN_EVENTS} churners and some non-churners; found {n} rows, {events} "
            "churners. Nothing was trained; the champion is unchanged.")
    split = out_of_time_split(data, config.CHURN_TIME, config.OOT_SHARE)
    y = split.oot[config.CHURN_LABEL]
    if len(split.oot) < config.CHURN_MIN_OOT or y.nunique() < 2:
        raise InsufficientDataError(
            f"churn OOT set ({split.oot_from}..{split.oot_to}) has {len(split.oot)} rows; needs "
            f">= {config.CHURN_MIN_OOT} with both outcomes. Nothing was trained.")
    return split
