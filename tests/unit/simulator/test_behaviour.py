"""Behavioural properties on a medium run: funnel rates, imperfections, learnable risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.unit.simulator.landing import clean, ever_dpd, read_source


def test_registration_conversion(medium):
    root, summary = medium
    users = clean(read_source(root, "users"), "user_id", "registered_at")
    conv = users["user_id"].nunique() / summary["visitors"]
    assert 0.05 <= conv <= 0.12
    touches = clean(read_source(root, "touchpoints"), "touch_id", "touched_at")
    linked = touches[touches["user_id"].notna()]
    reg = users.drop_duplicates("user_id").set_index("user_id")
    assert (linked["visitor_id"].to_numpy()
            == reg.loc[linked["user_id"], "visitor_id"].to_numpy()).all()
    assert (linked["touched_at"].to_numpy()
            > reg.loc[linked["user_id"], "registered_at"].to_numpy()).all()


def test_approval_and_cancellation(medium):
    root, _ = medium
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    last = apps.sort_values("updated_at").groupby("application_id").last()
    decided = last[last["status"] != "submitted"]
    approved = decided["status"].isin(["approved", "cancelled"])
    assert 0.40 <= approved.mean() <= 0.80
    assert 0.05 <= (decided["status"] == "cancelled").sum() / approved.sum() <= 0.15
    assert 0.10 <= last["bureau_score"].isna().mean() <= 0.30
    assert decided.loc[decided["status"] == "rejected", "reject_reason"].notna().all()


def test_imperfections_rates(medium):
    root, summary = medium
    inj, rows = summary["injected"], summary["rows"]
    total = sum(rows.values())
    malformed = sum(v["malformed"] for v in inj.values())
    assert abs(malformed / total - 0.002) < 0.0008
    for source in rows:
        assert inj[source]["duplicate"] > 0 and inj[source]["late"] > 0, source
    # the files really contain them: exact duplicates, late rows, detectable malformed rows
    events = read_source(root, "app_events")
    assert events.drop(columns="_dt").duplicated().sum() >= inj["app_events"]["duplicate"]
    late = events["_dt"] > events["occurred_at"].str[:10]
    assert late.sum() >= inj["app_events"]["late"] * 0.9
    bad = events["event_id"].isna() | ~events["occurred_at"].str.match(r"^\d{4}-\d\d-\d\dT")
    assert 0 < bad.sum() <= inj["app_events"]["malformed"]


def test_spring_festival_dip(medium):
    root, _ = medium
    users = clean(read_source(root, "users"), "user_id", "registered_at")
    day = pd.to_datetime(users.drop_duplicates("user_id")["registered_at"].str[:10])
    per_day = day.value_counts()
    holiday = per_day[(per_day.index >= "2025-01-27") & (per_day.index <= "2025-02-05")].mean()
    normal = per_day[(per_day.index >= "2025-03-01") & (per_day.index <= "2025-04-30")].mean()
    assert holiday < 0.7 * normal


def test_risk_is_learnable_but_not_trivial(medium):
    root, summary = medium
    end = summary["config"]["end"]
    users = clean(read_source(root, "users"), "user_id", "registered_at").drop_duplicates(
        "user_id")
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    apps = apps[apps["status"] == "submitted"].drop_duplicates("application_id")
    loans = clean(read_source(root, "loans"), "loan_id").drop_duplicates("loan_id")
    inst = clean(read_source(root, "installments"), "loan_id")
    pays = clean(read_source(root, "repayments"), "payment_id")
    a = loans[["loan_id", "application_id", "disbursed_at"]].merge(
        apps, on="application_id").merge(users, on="user_id")
    mature = (a["disbursed_at"].dt.tz_localize(None)
              < pd.Timestamp(end) - pd.Timedelta(days=150)).to_numpy()
    y = ever_dpd(a, inst, pays, end, 90)[mature]
    income = a["annual_income"].astype(float)
    x = pd.DataFrame({
        "score": a["bureau_score"].astype(float).fillna(0),
        "thin": a["bureau_score"].isna().astype(float), "log_income": np.log(income),
        "dti": a["monthly_debt"].astype(float) * 12 / income,
        "age": (pd.to_datetime(a["applied_at"].str[:10])
                - pd.to_datetime(a["birth_date"])).dt.days / 365.25,
        "tier": a["city_tier"].astype(float)})
    x = pd.concat([x, pd.get_dummies(a["employment_type"], dtype=float)], axis=1)[mature]
    assert y.sum() >= 30 and 0.005 < y.mean() < 0.10
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    p = cross_val_predict(model, x.to_numpy(), y, cv=4, method="predict_proba")[:, 1]
    auc = roc_auc_score(y, p)
    assert 0.65 <= auc <= 0.85, auc


def test_activity_follows_registration(medium):
    root, _ = medium
    users = clean(read_source(root, "users"), "user_id", "registered_at").drop_duplicates(
        "user_id").set_index("user_id")["registered_at"]
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    assert (apps["applied_at"].to_numpy() > users.loc[apps["user_id"]].to_numpy()).all()
    events = clean(read_source(root, "app_events"), "event_id", "occurred_at")
    events = events[events["user_id"].isin(users.index)]
    assert (events["occurred_at"].to_numpy() >= users.loc[events["user_id"]].to_numpy()).all()
    assert set(events["event_type"]) == {"login", "offer_view", "apply_start", "repayment_view",
                                         "profile_update"}
