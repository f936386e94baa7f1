"""Scores that follow the day's data: a scoring run scores only the rows whose model inputs changed.

A score is a function of the champion version and of the row's model inputs (the feature
columns the model reads): not of its label, not of the as-of date. So a scoring run keeps each
stored score whose row is still in the population with the same inputs under the same champion,
scores the rest (new rows, changed inputs, every row after a new champion) and removes the
scores of rows that left the population (e.g. the previous snapshot's users). The inputs are
compared through a digest per row kept in ``ops.<scores table>__input_digests`` and written in the
same transaction as the scores. A score without a digest (written by other code) or a digest
without a score counts as changed, so the state repairs itself; without either table every row is
scored. The result equals scoring every row again (tests/unit/ml/test_score_refresh.py).

Why: the daily update scored every application and every user of the latest snapshot again and
loaded the model each time (at L 16 s and 35 s of the day, docs/benchmarks.md), on a day whose new
applications are a fraction of a percent of them. A day that changes no row of a population does
not load the model at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from lending.warehouse import Warehouse, relation_exists
from ml.data import FEATURE_SCHEMA

SCORES_SCHEMA = "ml"
STATE_SCHEMA = "ops"


@dataclass(frozen=True)
class Population:
    """What one model scores: the rows of ``features`` (``where``: a SQL filter of them), keyed by
    ``keys``; ``inputs`` are the columns a score depends on; ``select`` types the scorer's frame
    (named ``frame``) as the columns of ``ml.<scores>``, whose column ``probability`` is the
    model's probability of the event."""

    features: str
    scores: str
    keys: tuple[str, ...]
    inputs: tuple[str, ...]
    select: str
    probability: str
    where: str = ""

    @property
    def digests(self) -> str:
        return f'{STATE_SCHEMA}."{self.scores}__input_digests"'

    @property
    def scores_relation(self) -> str:
        return f'{SCORES_SCHEMA}."{self.scores}"'

    @property
    def features_relation(self) -> str:
        return f'{FEATURE_SCHEMA}."{self.features}"'


@dataclass(frozen=True)
class Refresh:
    """What a scoring run did: ``rows`` in the scores table after it, ``scored`` (scored by this
    run), ``removed`` (rows that left the population), under ``model_version``."""

    rows: int
    scored: int
    removed: int
    model_version: str


def refresh(warehouse: Warehouse, population: Population, version: str,
            score: Callable[[pd.DataFrame], pd.DataFrame]) -> Refresh:
    """Bring ``ml.<population.scores>`` up to date with the features under champion ``version``;
    ``score`` (feature rows -> score rows, the champion loaded inside) is called only when some
    row needs a score."""
    p = population
    keys = ", ".join(f'"{k}"' for k in p.keys)
    with warehouse.connect() as con:
        for schema in (SCORES_SCHEMA, STATE_SCHEMA):
            con.execute(f"create schema if not exists {schema}")
        digest = "hash(" + ", ".join(f'"{c}"' for c in p.inputs) + ")"
        where = f"where {p.where}" if p.where else ""
        con.execute(f"create or replace temp table _inputs as select {keys}, {digest} as digest "
                    f"from {p.features_relation} {where}")
        stored = relation_exists(con, SCORES_SCHEMA, p.scores) and relation_exists(con, STATE_SCHEMA,
                                                                   f"{p.scores}__input_digests")
        if stored:
            con.execute(f"""
                create or replace temp table _stale as
                select i.* from _inputs as i
                where not exists (
                    select 1 from {p.scores_relation} as s join {p.digests} as d using ({keys})
                    where {_match('s', 'i', p.keys)} and d.digest = i.digest
                      and s.model_version = ?)""", [str(version)])
            (removed,) = con.execute(
                f"select count(*) from {p.scores_relation} as s "
                f"where not exists (select 1 from _inputs as i where {_match('s', 'i', p.keys)})"
            ).fetchall()[0]
        else:
            con.execute("create or replace temp table _stale as select * from _inputs")
            removed = 0
        (stale,), (population_rows,) = (con.execute(f"select count(*) from {t}").fetchall()[0]
                                        for t in ("_stale", "_inputs"))
        if stale == 0 and removed == 0:
            return Refresh(population_rows, 0, 0, str(version))
        features = con.execute(f"select f.* from {p.features_relation} as f semi join _stale as x "
                               f"on {_match('f', 'x', p.keys)}").df()
        scored = score(features) if len(features) else None
        con.execute("begin")
        if not stored or stale == population_rows > 0:  # every row scored: rewrite both tables
            con.register("frame", scored)
            con.execute(f"create or replace table {p.scores_relation} as {p.select}")
            con.execute(f"create or replace table {p.digests} as select * from _inputs")
        else:
            for table in (p.scores_relation, p.digests):
                con.execute(f"""
                    delete from {table} as t
                    where exists (select 1 from _stale as x where {_match('t', 'x', p.keys)})
                       or not exists (select 1 from _inputs as i where {_match('t', 'i', p.keys)})
                """)
            if scored is not None:
                con.register("frame", scored)
                con.execute(f"insert into {p.scores_relation} by name {p.select}")
            con.execute(f"insert into {p.digests} select * from _stale")
        con.execute("commit")
        (rows,) = con.execute(f"select count(*) from {p.scores_relation}").fetchall()[0]
    return Refresh(rows, 0 if scored is None else len(scored), removed, str(version))


def _match(left: str, right: str, keys: tuple[str, ...]) -> str:
    """Key equality of two aliases (a null key matches a null key)."""
    return " and ".join(f'{left}."{k}" is not distinct from {right}."{k}"' for k in keys)

