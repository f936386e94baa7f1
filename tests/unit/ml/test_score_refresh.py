"""Scores follow the day's data (ml/score_refresh.py): a scoring run scores exactly the rows whose
model inputs changed, loads no model when none did, and leaves the same table as scoring every
row again.

"The same" up to floating-point rounding: a row's probability computed in a batch of 50 rows can
differ from the one computed among 200 in the last bit (the linear algebra blocks by batch), so
doubles are compared to RTOL, everything else exactly."""

import numpy as np
import pandas as pd
import pytest

from lending.settings import Settings
from ml import config, scoring
from ml.data import stored_scores
from ml.score_refresh import refresh
from ml.score_tables import CHURN_POPULATION, CREDIT_POPULATION
from ml.training import train_churn, train_credit
from tools.harness.synthetic import churn_features, credit_features

RTOL = 1e-12


@pytest.fixture(scope="module")
def models():
    scorecard, gbm = (t.model for t in train_credit(credit_features(3000, seed=1), seed=config.SEED))
    return {"scorecard": scorecard, "gbm": gbm,
            "churn": train_churn(churn_features(3000, seed=2), seed=config.SEED).model}


@pytest.fixture
def warehouse(tmp_path):
    warehouse = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}).warehouse()
    warehouse.path.parent.mkdir(parents=True)
    return warehouse


def write_features(warehouse, table: str, frame: pd.DataFrame) -> None:
    with warehouse.connect() as con:
        con.execute("create schema if not exists marts")
        con.register("f", frame)
        con.execute(f"create or replace table marts.{table} as select * from f")


def run(warehouse, population, scorer, model, version: str):
    """One scoring run; also the sizes of the frames handed to the model (none: not loaded)."""
    calls = []

    def score(features):
        calls.append(len(features))
        return scorer(model, features, version)

    return refresh(warehouse, population, version, score), calls


def stored(warehouse, table: str, keys: list[str]) -> pd.DataFrame:
    with warehouse.connect(read_only=True) as con:
        frame = con.execute(f"select * from ml.{table}").df()
    return frame.sort_values(keys).reset_index(drop=True)


def rescored(warehouse, table: str, keys: list[str], scorer, model, frame, version, ddl):
    """The table a full rescore of ``frame`` writes (scoring.write, in a warehouse of its own)."""
    other = Settings.from_env({"LENDING_DATA_DIR": str(warehouse.path.parent.parent / "full")})
    full = other.warehouse()
    full.path.parent.mkdir(parents=True, exist_ok=True)
    scoring.write(scorer(model, frame, version), ddl, full)
    return stored(full, table, keys)


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_credit_scores_only_the_changed_rows_and_equal_a_full_rescore(models, warehouse, kind):
    model, keys = models[kind], ["application_id"]
    population, scorer = CREDIT_POPULATION, scoring.credit_scores
    day0 = credit_features(300, seed=5)
    write_features(warehouse, population.features, day0)

    first, calls = run(warehouse, population, scorer, model, "1")
    assert (first.rows, first.scored, first.removed, calls) == (300, 300, 0, [300])
    pd.testing.assert_frame_equal(
        stored(warehouse, "credit_scores", keys),
        rescored(warehouse, "credit_scores", keys, scorer, model, day0, "1", scoring.CREDIT_DDL),
        check_exact=False, rtol=RTOL, atol=0)

    # nothing changed: the model is not even loaded
    again, calls = run(warehouse, population, scorer, model, "1")
    assert (again.rows, again.scored, again.removed, calls) == (300, 0, 0, [])

    # the next day: one input changed (row 0), a label and the as-of date changed everywhere
    # (not inputs), one application left (row 1), one is new -> 2 scored, 1 removed
    day1 = day0.copy()
    day1.loc[0, "requested_amount"] = day1.loc[0, "requested_amount"] * 3
    day1["is_bad"] = ~day1["is_bad"].astype(bool)
    day1["mob6_end_date"] = pd.Timestamp("2030-01-01")
    new = day1.iloc[[2]].assign(application_id="a-new", bureau_score=480.0)
    day1 = pd.concat([day1.drop(index=1), new], ignore_index=True)
    write_features(warehouse, population.features, day1)
    second, calls = run(warehouse, population, scorer, model, "1")
    assert (second.rows, second.scored, second.removed, calls) == (300, 2, 1, [2])
    expected = rescored(warehouse, "credit_scores", keys, scorer, model, day1, "1",
                        scoring.CREDIT_DDL)
    pd.testing.assert_frame_equal(stored(warehouse, "credit_scores", keys), expected,
                                  check_exact=False, rtol=RTOL, atol=0)

    # a new champion scores every row again
    third, calls = run(warehouse, population, scorer, model, "2")
    assert (third.scored, calls) == (300, [300])
    assert set(stored(warehouse, "credit_scores", keys)["model_version"]) == {"2"}


def test_scores_without_their_digests_are_scored_again(models, warehouse):
    """A score table written by other code (scoring.write) has no digests: every row counts as
    changed, and the digests are written with the scores."""
    model, population, scorer = models["scorecard"], CREDIT_POPULATION, scoring.credit_scores
    frame = credit_features(120, seed=6)
    write_features(warehouse, population.features, frame)
    scoring.write(scorer(model, frame, "1"), scoring.CREDIT_DDL, warehouse)

    healed, calls = run(warehouse, population, scorer, model, "1")
    assert (healed.rows, healed.scored, calls) == (120, 120, [120])
    assert run(warehouse, population, scorer, model, "1")[1] == []


def test_churn_scores_the_latest_snapshot_and_drops_the_previous_one(models, warehouse):
    model, keys = models["churn"], ["user_id", "snapshot_date"]
    population, scorer = CHURN_POPULATION, scoring.churn_scores
    frame = churn_features(400, months=3, seed=4)
    undated = frame.head(1).assign(snapshot_date=pd.NaT, user_id="u-undated")
    latest = frame["snapshot_date"].max()
    n_latest = int((frame["snapshot_date"] == latest).sum())
    day0 = pd.concat([frame, undated], ignore_index=True)
    write_features(warehouse, population.features, day0)

    first, calls = run(warehouse, population, scorer, model, "1")
    assert (first.rows, first.scored, calls) == (n_latest, n_latest, [n_latest])
    assert set(stored(warehouse, "churn_scores", keys)["snapshot_date"]) == {latest}

    # one user of the latest snapshot changed tenure (an input), the label changed for all
    day1 = day0.assign(churned=~day0["churned"].astype(bool))
    changed = day1.index[day1["snapshot_date"] == latest][0]
    day1.loc[changed, "tenure_days"] = day1.loc[changed, "tenure_days"] + 400
    write_features(warehouse, population.features, day1)
    second, calls = run(warehouse, population, scorer, model, "1")
    assert (second.rows, second.scored, second.removed, calls) == (n_latest, 1, 0, [1])
    pd.testing.assert_frame_equal(
        stored(warehouse, "churn_scores", keys),
        rescored(warehouse, "churn_scores", keys, scorer, model, day1, "1", scoring.CHURN_DDL),
        check_exact=False, rtol=RTOL, atol=0)

    # a new month-end: its 3 users are scored, the previous snapshot's users leave the table
    new_end = latest + pd.offsets.MonthEnd(1)
    month = day1[day1["snapshot_date"] == latest].head(3).assign(
        snapshot_date=new_end, snapshot_month=new_end.to_period("M").to_timestamp())
    day2 = pd.concat([day1, month], ignore_index=True)
    write_features(warehouse, population.features, day2)
    third, calls = run(warehouse, population, scorer, model, "1")
    assert (third.rows, third.scored, third.removed, calls) == (3, 3, n_latest, [3])
    pd.testing.assert_frame_equal(
        stored(warehouse, "churn_scores", keys),
        rescored(warehouse, "churn_scores", keys, scorer, model, day2, "1", scoring.CHURN_DDL),
        check_exact=False, rtol=RTOL, atol=0)


def test_the_checks_read_the_stored_scores_of_any_rows_in_their_order(models, warehouse):
    """ml.data.stored_scores: the probability of each row of a frame (any order) as scored by one
    version; None when a row has no score of that version, so the caller predicts instead."""
    model, population = models["scorecard"], CREDIT_POPULATION
    frame = credit_features(200, seed=8)
    write_features(warehouse, population.features, frame)
    run(warehouse, population, scoring.credit_scores, model, "4")
    rows = frame.sample(frac=1, random_state=1).head(50)
    expected = scoring.credit_scores(model, rows, "4")["pd"].to_numpy()

    got = stored_scores(warehouse, rows, ["application_id"], "credit_scores", "pd", "4")
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)
    assert stored_scores(warehouse, rows, ["application_id"], "credit_scores", "pd", "5") is None
    unscored = pd.concat([rows, rows.head(1).assign(application_id="a-unscored")])
    assert stored_scores(warehouse, unscored, ["application_id"], "credit_scores", "pd", "4") is None
    assert stored_scores(warehouse, rows, ["application_id"], "no_such_table", "pd", "4") is None
