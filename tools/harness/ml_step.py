"""The ML step of the parity build: scores written between the two dbt invocations.

On the small parity dataset (3 months) no loan reaches MOB 6, so nothing can be trained on it:
like a lender's first months, the Dagster training assets refuse and no scores exist. To still
build and compare, on both engines, the dbt models that read ``ml.credit_scores`` and
``ml.churn_scores`` (expected loss, the portfolio by grade, score performance, retention
targets), this step fits the project's own models (ml.training) on the synthetic feature frames
of tools/harness/synthetic.py, then scores the dataset's REAL feature marts with the project's
scoring functions (ml.scoring), read from the engine being built. DuckDB gets the tables in its
``ml`` schema (what the Dagster score assets write); Spark gets them in the lake's ``ml`` folder,
registered by the second invocation's on-run-start hook (var ``lake_sources``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from lending.lake import export_raw_to_parquet
from lending.warehouse import Warehouse
from ml import config, scoring
from ml.training import train_churn, train_credit
from tools.harness.synthetic import churn_features, credit_features

MODEL_VERSION = "1"
FEATURE_TABLES = {"credit": "marts.feat_credit_applications", "churn": "marts.feat_user_churn"}
DATE_COLUMNS = ("applied_month", "disbursed_month", "snapshot_date", "snapshot_month")


@cache
def fitted_models():
    """(scorecard, churn model) fitted on synthetic features; deterministic (fixed seeds)."""
    scorecard = train_credit(credit_features(3000, months=12, seed=1), seed=config.SEED)[0]
    churn = train_churn(churn_features(3000, seed=1), seed=config.SEED)
    return scorecard.model, churn.model


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The same dtypes whichever engine the features were read from (Spark hands decimals and
    dates over as Python objects): numeric features as float, dates as datetime64."""
    out = frame.copy()
    for column in config.CREDIT_NUMERIC + config.CHURN_NUMERIC:
        if column in out:
            out[column] = pd.to_numeric(out[column].astype(object), errors="raise").astype(float)
    for column in DATE_COLUMNS:
        if column in out:
            out[column] = pd.to_datetime(out[column])
    return out


def score_tables(credit: pd.DataFrame, churn: pd.DataFrame) -> dict[str, pd.DataFrame]:
    scorecard, churn_model = fitted_models()
    return {"credit_scores": scoring.credit_scores(scorecard, normalise(credit), MODEL_VERSION),
            "churn_scores": scoring.churn_scores(churn_model, normalise(churn), MODEL_VERSION)}


DDL = {"credit_scores": scoring.CREDIT_DDL, "churn_scores": scoring.CHURN_DDL}


def write_duckdb(warehouse: Warehouse) -> dict[str, int]:
    """Score the DuckDB build's feature marts into its ``ml`` schema."""
    with warehouse.connect(read_only=True) as con:
        frames = {k: con.execute(f"select * from {t}").df() for k, t in FEATURE_TABLES.items()}
    tables = score_tables(frames["credit"], frames["churn"])
    return {name: scoring.write(frame, DDL[name], warehouse) for name, frame in tables.items()}


def write_lake(session, lake: Path) -> dict[str, int]:
    """Score the Spark build's feature marts into ``<lake>/ml/<table>/`` (same types as DuckDB's
    ``ml`` tables: the scoring DDL runs in an in-memory DuckDB, then lending.lake exports)."""
    frames = {k: session.table(t).toPandas() for k, t in FEATURE_TABLES.items()}
    tables = score_tables(frames["credit"], frames["churn"])
    with duckdb.connect() as con:
        con.execute("create schema ml")
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(DDL[name])
            con.unregister("frame")
        return export_raw_to_parquet(con, lake, schema="ml")
