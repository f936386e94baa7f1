"""End to end on simulated exports: point-in-time features (no leakage), model quality on the
simulator's learnable risk and churn, and `make run`'s warehouse job training and scoring.

One module-scoped platform, built twice: first from the exports up to CUTOFF, then with the
later exports appended. Costs a few minutes (integration marker).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from ml import config
from orchestration.cli import landing_range, run_pipeline
from orchestration.dbt_project import ensure_manifest
from orchestration.definitions import build_definitions
from orchestration.settings import Settings

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


def _copy_days(src: Path, dst: Path, keep) -> None:
    for day_dir in src.glob("*/dt=*"):
        day = dt.date.fromisoformat(day_dir.name[3:])
        if keep(day):
            shutil.copytree(day_dir, dst / day_dir.parent.name / day_dir.name, dirs_exist_ok=True)


def _read(warehouse: Path, table: str, schema: str = "marts") -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {schema}.{table}").df()


def _build(settings: Settings, instance, first_day: dt.date | None = None) -> None:
    """Ingest the export days from ``first_day`` (default: all) and run the warehouse job."""
    defs = build_definitions(settings)
    span = landing_range(settings)
    if first_day is not None:
        span = (first_day.isoformat(), span[1])
    results = run_pipeline(defs, instance, span)
    assert all(r.success for r in results)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("ml_platform")
    full = root / "all_exports"
    subprocess.run([sys.executable, "-m", "simulator", "--out", str(full), "--seed", str(SEED),
                    "--start", "2025-01-01", "--months", str(MONTHS), "--scale", str(SCALE),
                    "--no-progress"], check=True, stdout=subprocess.DEVNULL)
    settings = Settings.from_env({"LENDING_DATA_DIR": str(root / "data")})
    ensure_manifest()
    wh = settings.warehouse_path
    with dg.instance_for_test() as instance:
        _copy_days(full, settings.landing_dir, lambda d: d <= CUTOFF)
        _build(settings, instance)
        before = {"credit": _read(wh, "feat_credit_applications"), "churn": _read(wh, "feat_user_churn")}
        _copy_days(full, settings.landing_dir, lambda d: d > CUTOFF)
        # the days up to CUTOFF are unchanged and already loaded: ingest only the new ones
        _build(settings, instance, first_day=CUTOFF + dt.timedelta(days=1))
    after = {"credit": _read(wh, "feat_credit_applications"), "churn": _read(wh, "feat_user_churn")}
    return settings, before, after


def _compare(before: pd.DataFrame, after: pd.DataFrame, key: list[str], columns: list[str]) -> None:
    merged = before[key + columns].merge(after[key + columns], on=key, how="left",
                                         suffixes=("_1", "_2"), indicator=True)
    assert (merged["_merge"] == "both").all(), "rows of the first build vanished"
    for col in columns:
        a, b = merged[f"{col}_1"], merged[f"{col}_2"]
        same = (a == b) | (a.isna() & b.isna())
        assert same.all(), f"{col} changed for {(~same).sum()} rows, e.g.\n{merged[~same].head()}"


def test_features_of_earlier_rows_do_not_change_when_later_data_arrives(platform):
    _, before, after = platform
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
    assert len(churn_b) > 1000
    _compare(churn_b, after["churn"], CHURN_KEY, features)
    settled_label = churn_b[churn_b["snapshot_date"] + pd.Timedelta(days=60) <= pd.Timestamp(SETTLED)]
    _compare(settled_label[settled_label["churned"].notna()], after["churn"], CHURN_KEY, ["churned"])


def test_models_learn_the_simulated_risk_and_churn(platform):
    settings, _, _ = platform
    registry = _read(settings.warehouse_path, "model_registry", schema="ml")
    latest = registry.sort_values("version").groupby("model_name").tail(1).set_index("model_name")
    credit, churn = latest.loc[config.CREDIT_MODEL], latest.loc[config.CHURN_MODEL]
    print(f"\ncredit_pd OOT AUC {credit['auc_oot']:.3f} (gini {credit['gini_oot']:.3f}, KS "
          f"{credit['ks_oot']:.3f}, n_oot {credit['n_oot']}); credit_pd_gbm OOT AUC "
          f"{latest.loc[config.CREDIT_MODEL + '_gbm', 'auc_oot']:.3f}; churn OOT AUC "
          f"{churn['auc_oot']:.3f} (n_oot {churn['n_oot']})")
    assert credit["auc_oot"] >= 0.70
    assert churn["auc_oot"] >= 0.70
    assert credit["oot_from"] > credit["train_to"]


def test_make_run_scores_every_application_and_active_user(platform):
    settings, _, after = platform
    credit = _read(settings.warehouse_path, "credit_scores", schema="ml")
    assert set(credit["application_id"]) == set(after["credit"]["application_id"])
    assert credit["grade"].isin(list("ABCDE")).all() and credit["reason_1"].notna().any()
    churn = _read(settings.warehouse_path, "churn_scores", schema="ml")
    latest = after["churn"][after["churn"]["snapshot_date"] == after["churn"]["snapshot_date"].max()]
    assert set(churn["user_id"]) == set(latest["user_id"])
    perf = _read(settings.warehouse_path, "mart_score_performance")
    assert perf["applications"].sum() == len(credit)
