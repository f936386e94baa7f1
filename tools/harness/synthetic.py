"""Small synthetic feature frames with the columns of the dbt feature marts, for fast unit tests
of ml/ (the simulator-based end-to-end test lives in test_simulated.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def credit_features(n_loans: int, months: int = 12, seed: int = 0, start: str = "2024-01-01") -> pd.DataFrame:
    """``n_loans`` disbursed applications spread over ``months`` months; the bad flag follows a
    logistic in bureau score, DTI and prior DPD."""
    rng = np.random.default_rng(seed)
    n = n_loans
    month = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, months, n) * 31, unit="D")
    month = month.to_period("M").to_timestamp()
    thin = rng.random(n) < 0.2
    score = np.where(thin, np.nan, np.clip(rng.normal(640, 60, n), 300, 900).round())
    dti = np.clip(rng.beta(2, 6, n), 0, 1.5)
    prior = rng.poisson(0.6, n)
    prior_dpd = np.where(prior > 0, rng.choice([0, 0, 0, 5, 40], n), np.nan)
    z = (-2.6 - 0.018 * (np.nan_to_num(score, nan=600) - 640) + 2.5 * (dti - 0.25)
         + 0.02 * np.nan_to_num(prior_dpd) + 0.4 * thin)
    bad = rng.random(n) < 1 / (1 + np.exp(-z))
    return pd.DataFrame({
        "application_id": [f"a{i:07d}" for i in range(n)],
        "user_id": [f"u{i:07d}" for i in range(n)],
        "applied_month": month, "disbursed_month": month, "status": "approved", "is_approved": True,
        "loan_id": [f"l{i:07d}" for i in range(n)],
        "product": rng.choice(["consumer", "education", "business"], n),
        "requested_amount": rng.lognormal(9, 0.6, n).round(-2),
        "term_months": rng.choice([3, 6, 12, 24], n),
        "annual_income": rng.lognormal(11.3, 0.4, n).round(-2),
        "debt_to_income": dti, "loan_to_income": rng.uniform(0.05, 0.6, n),
        "employment_type": rng.choice(["salaried", "freelancer", "student"], n),
        "bureau_score": score, "bureau_score_missing": thin,
        "age_at_application": rng.integers(18, 60, n), "city_tier": rng.integers(1, 6, n),
        "acquisition_channel": rng.choice(["organic", "referral", "search_ads"], n),
        "prior_loans": prior, "prior_applications": prior + rng.poisson(0.3, n),
        "prior_rejections": rng.poisson(0.2, n), "prior_max_dpd": prior_dpd,
        "prior_on_time_share": np.where(prior > 0, rng.uniform(0.5, 1, n), np.nan),
        "days_since_last_payoff": np.where(prior > 0, rng.integers(1, 300, n), np.nan),
        "app_events_30d": rng.poisson(3, n),
        "age_band": rng.choice(["18-24", "25-34", "35-44"], n),
        "gender": rng.choice(["F", "M"], n),
        "is_bad": bad,
    })


def scramble_training_labels(frame: pd.DataFrame, oot_months: int = 3, seed: int = 0) -> pd.DataFrame:
    """Same rows, but the labels of every month before the last ``oot_months`` are shuffled: a
    model trained on them learns nothing, while the out-of-time labels keep their signal."""
    out = frame.copy()
    months = np.sort(out["disbursed_month"].unique())
    train = (out["disbursed_month"] < months[-oot_months]).to_numpy()
    out.loc[train, "is_bad"] = np.random.default_rng(seed).permutation(out.loc[train, "is_bad"].to_numpy())
    return out


def churn_features(n_rows: int, months: int = 8, seed: int = 0, start: str = "2024-01-31") -> pd.DataFrame:
    """``n_rows`` user x month-end snapshots with the columns of ``feat_user_churn``; churn follows
    a logistic in recency, frequency and tier."""
    rng = np.random.default_rng(seed)
    n = n_rows
    snapshot = pd.date_range(start, periods=months, freq="ME")[rng.integers(0, months, n)]
    recency = rng.integers(0, 30, n)
    events_30d = rng.poisson(4, n) + 1
    tier = rng.choice(["healthy", "at_risk", "high_value", "delinquent"], n)
    z = -1.0 + 0.12 * recency - 0.4 * events_30d + np.where(tier == "at_risk", 1.5, 0.0)
    churned = rng.random(n) < 1 / (1 + np.exp(-z))
    loans = rng.poisson(0.8, n)
    return pd.DataFrame({
        "user_id": [f"u{i:07d}" for i in range(n)], "snapshot_date": snapshot,
        "snapshot_month": snapshot.to_period("M").to_timestamp(),
        "days_since_last_activity": recency, "events_30d": events_30d,
        "events_90d": events_30d + rng.poisson(6, n), "active_days_30d": np.minimum(events_30d, 30),
        "tenure_days": rng.integers(30, 700, n), "applications_90d": rng.poisson(0.5, n),
        "rejections_90d": rng.poisson(0.2, n), "loans_to_date": loans,
        "active_loans": np.minimum(loans, rng.integers(0, 2, n)),
        "outstanding_principal": rng.lognormal(8, 1, n).round(2) * (loans > 0),
        "current_dpd": np.where(tier == "delinquent", rng.integers(31, 90, n), 0),
        "last_product": rng.choice(["consumer", "education", "business"], n),
        "acquisition_channel": rng.choice(["organic", "referral", "search_ads"], n),
        "age_band": rng.choice(["18-24", "25-34", "35-44"], n), "gender": rng.choice(["F", "M"], n),
        "tier": tier, "churned": churned,
    })
