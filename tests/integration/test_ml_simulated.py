"""End to end on simulated exports: point-in-time features (no leakage), model quality on the
simulator's learnable risk and churn, the Dagster ML assets training and scoring, and the dbt
models that read the scores (expected loss, portfolio by grade, score performance).

One module-scoped dataset (simulator 12 months x 800 users), built ONCE and only as far as the ML
needs: the landing exports up to CUTOFF are loaded with the ingestion functions the Dagster assets
call, dbt builds the feature marts (models only: their data tests run in tests/integration and
the dbt unit tests), the later exports are appended and dbt builds every ancestor of the score
readers; the ML assets train, register and score (dg.materialize), then ``dbt build`` of the
models reading the scores, with their data and unit tests. The full Dagster job (ingestion ->
dbt -> ML -> dbt) is exercised by tests/integration on its small dataset.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import dagster as dg
import pandas as pd
import pytest

from lending.contract import load_contract
from lending.ingestion.files import landing_days
from lending.ingestion.load import load_days
from ml import config
from orchestration.assets.ml import ml_assets
from orchestration.resources import MlRegistry, WarehouseResource
from tools.harness.build import Dataset, dbt_build

pytestmark = pytest.mark.integration
MONTHS, SCALE, SEED = 12, 800, 7
CUTOFF = dt.date(2025, 9, 30)
# Late arrivals reach the landing zone up to 5 days after their event day: rows dated within the
# last days before CUTOFF may legitimately gain facts in the second build. Compare older rows.
SETTLED = CUTOFF - dt.timedelta(days=6)
CREDIT_KEY, CHURN_KEY = ["application_id"], ["user_id", "snapshot_date"]
# outcome / build columns: not features
NOT_FEATURES = {"status", "is_approved", "loan_id", "disbursed_date", "disbursed_month",
                "mob6_end_date", "is_bad", "churned", "as_of_date"}
MODELS_AND_SEEDS = ("--resource-type", "model", "--resource-type", "seed")
FEATURES = ("--select", "+feat_credit_applications", "+feat_user_churn", *MODELS_AND_SEEDS)
# everything the models reading the scores need, except those models (built after scoring)
# Nothing downstream of the attribution Python step (e.g. the KPI scorecard reads CAC): this test
# runs only the ML assets between its dbt builds.
NOT_ATTRIBUTION = ("--exclude", "source:attribution_py+")
SCORE_READER_PARENTS = ("--select", "@source:ml", "--exclude", "source:ml+", "source:attribution_py+",
                        *MODELS_AND_SEEDS)


def _load(data: Dataset, keep) -> None:
    contract = load_contract()
    with data.settings.warehouse().connect() as con:
        for source in contract.sources.values():
            days = [d for d in landing_days(data.landing, source.name) if keep(d)]
            load_days(con, data.landing, source, days)


def _read(data: Dataset, relation: str) -> pd.DataFrame:
    with data.settings.warehouse().connect(read_only=True) as con:
        return con.execute(f"select * from {relation}").df()


def _features(data: Dataset) -> dict[str, pd.DataFrame]:
    return {"credit": _read(data, "marts.feat_credit_applications"),
            "churn": _read(data, "marts.feat_user_churn")}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("ml_platform").resolve()
    data = Dataset(root, root / "landing", root / "warehouse.duckdb", root / "lake", root / "spark")
    subprocess.run([sys.executable, "-m", "simulator", "--out", str(data.landing), "--seed", str(SEED),
                    "--start", "2025-01-01", "--months", str(MONTHS), "--scale", str(SCALE),
                    "--no-progress"], check=True, stdout=subprocess.DEVNULL)
    _load(data, lambda d: d <= CUTOFF)
    dbt_build(data, "duckdb", FEATURES)
    before = _features(data)
    _load(data, lambda d: d > CUTOFF)  # the later exports appended
    dbt_build(data, "duckdb", SCORE_READER_PARENTS)
    after = _features(data)
    # the Dagster ML assets: train + gate + register both models, then score with the champions
    resources = {"duckdb": WarehouseResource.from_settings(data.settings),
                 "ml_registry": MlRegistry(data_dir=str(data.settings.data_dir))}
    result = dg.materialize(ml_assets, resources=resources)
    assert result.success
    readers = dbt_build(data, "duckdb", ("--select", "source:ml+", *NOT_ATTRIBUTION))
    return data, before, after, readers


def _compare(before: pd.DataFrame, after: pd.DataFrame, key: list[str], columns: list[str]) -> None:
    merged = before[key + columns].merge(after[key + columns], on=key, how="left",
                                         suffixes=("_1", "_2"), indicator=True)
    assert (merged["_merge"] == "both").all(), "rows of the first build vanished"
    for col in columns:
        a, b = merged[f"{col}_1"], merged[f"{col}_2"]
        same = (a == b) | (a.isna() & b.isna())
        assert same.all(), f"{col} changed for {(~same).sum()} rows, e.g.\n{merged[~same].head()}"


def test_features_of_earlier_rows_do_not_change_when_later_data_arrives(platform):
    _, before, after, _ = platform
    credit_b = before["credit"][before["credit"]["applied_date"] <= pd.Timestamp(SETTLED)]
    features = [c for c in credit_b.columns if c not in NOT_FEATURES and c not in CREDIT_KEY]
    assert len(credit_b) > 1000 and len(after["credit"]) > len(before["credit"])
    _compare(credit_b, after["credit"], CREDIT_KEY, features)
    # labels once observable never change either; later data makes more of them observable
    labelled = credit_b[credit_b["is_bad"].notna()]
    _compare(labelled, after["credit"], CREDIT_KEY, ["is_bad"])
    assert after["credit"]["is_bad"].notna().sum() > before["credit"]["is_bad"].notna().sum()

    churn_b = before["churn"][before["churn"]["snapshot_date"] <= pd.Timestamp(SETTLED)]
    features = [c for c in churn_b.columns if c not in NOT_FEATURES and c not in CHURN_KEY]
    assert "tier" in features and churn_b["tier"].nunique() > 2
    assert len(churn_b) > 1000
    _compare(churn_b, after["churn"], CHURN_KEY, features)
    settled_label = churn_b[churn_b["snapshot_date"] + pd.Timedelta(days=60) <= pd.Timestamp(SETTLED)]
    _compare(settled_label[settled_label["churned"].notna()], after["churn"], CHURN_KEY, ["churned"])


def test_models_learn_the_simulated_risk_and_churn(platform):
    data, _, _, _ = platform
    registry = _read(data, "ml.model_registry")
    latest = registry.sort_values("version").groupby("model_name").tail(1).set_index("model_name")
    credit, churn = latest.loc[config.CREDIT_MODEL], latest.loc[config.CHURN_MODEL]
    print(f"\ncredit_pd OOT AUC {credit['auc_oot']:.3f} (gini {credit['gini_oot']:.3f}, KS "
          f"{credit['ks_oot']:.3f}, n_oot {credit['n_oot']}); credit_pd_gbm OOT AUC "
          f"{latest.loc[config.CREDIT_MODEL + '_gbm', 'auc_oot']:.3f}; churn OOT AUC "
          f"{churn['auc_oot']:.3f} (n_oot {churn['n_oot']})")
    assert credit["auc_oot"] >= 0.70
    assert churn["auc_oot"] >= 0.70
    assert credit["oot_from"] > credit["train_to"]
    # first versions pass the floor: both are champions
    assert credit["status"] == churn["status"] == "champion"


def test_every_application_and_active_user_is_scored(platform):
    data, _, after, _ = platform
    credit = _read(data, "ml.credit_scores")
    assert set(credit["application_id"]) == set(after["credit"]["application_id"])
    assert credit["grade"].isin(list("ABCDE")).all() and credit["reason_1"].notna().any()
    churn = _read(data, "ml.churn_scores")
    latest = after["churn"][after["churn"]["snapshot_date"] == after["churn"]["snapshot_date"].max()]
    assert set(churn["user_id"]) == set(latest["user_id"])
    perf = _read(data, "marts.mart_score_performance")
    assert perf["applications"].sum() == len(credit)


def test_scoring_again_scores_nothing_and_keeps_what_a_full_rescoring_gives(platform):
    """The scoring step scores only rows whose model inputs changed (ml/score_refresh.py): on the
    simulated warehouse (decimals, dates, nulls) a second run finds none, loads no model, and the
    scores it keeps are those of scoring every row with the champion now."""
    from ml import pipeline, scoring
    from ml.registry import Registry

    data = platform[0]
    warehouse, data_dir = data.settings.warehouse(), data.settings.data_dir
    again = [pipeline.score_credit(warehouse, data_dir), pipeline.score_churn(warehouse, data_dir)]
    assert [(r.scored, r.removed) for r in again] == [(0, 0), (0, 0)]
    registry = Registry(data_dir)
    features = _features(data)
    for model_name, table, key, scorer, frame in (
            (config.CREDIT_MODEL, "credit_scores", CREDIT_KEY, scoring.credit_scores,
             features["credit"]),
            (config.CHURN_MODEL, "churn_scores", CHURN_KEY, scoring.churn_scores,
             features["churn"])):
        version = registry.champion_version(model_name)
        full = scorer(registry.load(model_name, version), frame, version)
        kept = _read(data, f"ml.{table}")
        assert len(kept) == len(full) > 100
        pd.testing.assert_frame_equal(
            kept.sort_values(key).reset_index(drop=True)[list(full.columns)],
            full.sort_values(key).reset_index(drop=True), check_dtype=False,
            check_exact=False, rtol=1e-12, atol=0)  # doubles: last-bit rounding of batches


def test_the_checks_read_the_stored_scores_and_load_no_model_once_their_reference_is_stored(
        platform, monkeypatch):
    """The drift and AUC decay checks take the newest rows' scores from ml.* (the scoring step
    wrote them for the champion's version): the same results as predicting them again, and, with
    the training window's profile stored by a first run, no model loaded at all."""
    from ml.registry import Registry
    from orchestration.assets.ml import ml_checks

    data = platform[0]
    resources = {"duckdb": WarehouseResource.from_settings(data.settings),
                 "ml_registry": MlRegistry(data_dir=str(data.settings.data_dir))}
    measured = ("worst_psi", "score_psi", "n_current", "auc_now", "n")
    stored = {}
    for check in ml_checks:  # stored scores; the first run also computes the references
        result = check(**resources)
        stored[check.check_key.name] = {k: v.value for k, v in result.metadata.items()
                                        if k in measured}
    # (no loan of this small dataset has matured after the OOT window: the AUC decay check's
    # scoring path is tests/unit/ml/test_metrics.py's)
    assert stored["credit_score_drift"]["n_current"] > 0 and stored["churn_score_drift"]["n_current"] > 0

    loads = []
    load = Registry.load
    monkeypatch.setattr(Registry, "load", lambda self, *a, **k: loads.append(a) or load(self, *a, **k))
    for check in ml_checks:
        result = check(**resources)
        got = {k: v.value for k, v in result.metadata.items() if k in measured}
        assert got == pytest.approx(stored[check.check_key.name], rel=0, abs=0, nan_ok=True)
    assert loads == []

    # predicting instead (no stored scores): the same figures
    monkeypatch.setattr("ml.data.stored_scores", lambda *a, **k: None)
    for check in ml_checks:
        got = {k: v.value for k, v in check(**resources).metadata.items() if k in measured}
        assert got == pytest.approx(stored[check.check_key.name], rel=1e-9, nan_ok=True)
    assert loads  # the champions were loaded for it


def test_score_readers_use_the_model_pd_and_grades(platform):
    data, _, _, readers = platform
    assert any("mart_portfolio_monthly_by_grade" in uid for uid in readers)
    el = _read(data, "intermediate.int_risk_loan_expected_loss")
    pd_bucket = _read(data, "intermediate.int_risk_pd_by_bucket").set_index("bucket")["pd_12m"]
    m0 = el[el["bucket"] == "M0"]
    scored = m0[m0["model_pd"].notna()]
    # every current scored loan uses the calibrated model PD; nobody else does
    assert len(scored) > 1000 and (scored["pd_source"] == "credit_model").all()
    assert (el.loc[el["model_pd"].isna() | (el["bucket"] != "M0"), "pd_source"] != "credit_model").all()
    # calibration: the model PD is rescaled by one factor, the balance-weighted mean equals the
    # M0 bucket PD (no PD reaches the cap of 1 here) and the ranking is the model's
    ead = scored["ead"].astype(float)
    factor = scored["pd_12m"] / scored["model_pd"]
    assert factor.max() - factor.min() < 1e-12 and scored["pd_12m"].max() < 1
    assert (scored["pd_12m"] * ead).sum() / ead.sum() == pytest.approx(pd_bucket["M0"], rel=1e-9)
    # the portfolio by grade adds up to the portfolio, and grades rank the expected-loss rate
    total = _read(data, "marts.mart_portfolio_monthly").set_index("month_end_date")
    by_grade = _read(data, "marts.mart_portfolio_monthly_by_grade")
    sums = by_grade.groupby("month_end_date")[["active_loans", "outstanding_principal",
                                               "expected_loss"]].sum()
    pd.testing.assert_frame_equal(sums, total[sums.columns], check_dtype=False)
    assert set(by_grade["risk_grade"]) <= {*"ABCDE", "unscored"}
    pooled = by_grade[by_grade["risk_grade"] != "unscored"].groupby("risk_grade")[
        ["expected_loss", "outstanding_principal"]].sum()
    rate = (pooled["expected_loss"].astype(float) / pooled["outstanding_principal"].astype(float))
    assert rate.loc["A"] < rate.loc["E"]
