"""Loan applications and the credit decision policy.

The policy only looks at what the lender observes at application time (age, employment,
income, bureau score or its absence, debt-to-income); the latent risk stays hidden, which is
what makes credit models on this data meaningful. Every application is exported as
``submitted`` on its applied day and re-exported on each status change (decision, cancel).
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY, HOUR, NA
from simulator.frame import Frame
from simulator.schema import REJECT_REASONS

PRODUCT_P = np.array([0.55, 0.12, 0.08, 0.08, 0.17])
PRODUCT_MEDIAN = np.array([8_000, 30_000, 15_000, 10_000, 50_000])
PRODUCT_RANGE = np.array([[1_000, 50_000], [5_000, 200_000], [2_000, 80_000], [1_000, 60_000],
                          [10_000, 300_000]])
TERMS = np.array([3, 6, 12, 24])
GRADE_APR = np.array([[0.10, 0.13], [0.13, 0.16], [0.16, 0.20], [0.20, 0.24], [0.24, 0.36]])
GRADE_LIMIT = np.array([0.5, 0.4, 0.3, 0.2, 0.12])  # max principal as share of annual income
R = {r: i for i, r in enumerate(REJECT_REASONS)}


def first_application_times(rng: np.random.Generator, reg_ts: np.ndarray) -> np.ndarray:
    """When newly registered users first apply (NA if never): many within hours, a long tail."""
    n = len(reg_ts)
    soon = rng.random(n) < 0.55
    delay = np.where(soon, rng.integers(120, 8 * HOUR, n),
                     (rng.exponential(40, n) * DAY).astype(np.int64) + HOUR)
    return np.where(rng.random(n) < 0.74, reg_ts + delay, NA)


def annuity(principal: np.ndarray, apr: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Equal-installment monthly payment P*r/(1-(1+r)^-n), r = apr/12."""
    r = apr / 12.0
    return principal * r / (1 - (1 + r) ** (-term.astype(float)))


def build(rng: np.random.Generator, user_idx: np.ndarray, applied_ts: np.ndarray, u: Frame,
          bad_since: np.ndarray, next_app: int) -> tuple[Frame, Frame]:
    """Create and decide applications. ``u`` holds the applicants' attributes (row-aligned).

    Returns (decided application attributes incl. timings, export rows of all statuses).
    """
    n = len(user_idx)
    app_id = next_app + np.arange(n, dtype=np.int64)
    age = (applied_ts // DAY - u["birth_day"]) / 365.25
    emp = u["emp"]
    p_prod = np.tile(PRODUCT_P, (n, 1))
    p_prod[:, 4] *= np.where(np.isin(emp, [1, 2]), 4.0, 0.3)
    p_prod /= p_prod.sum(axis=1, keepdims=True)
    product = (rng.random(n)[:, None] > np.cumsum(p_prod, axis=1)).sum(axis=1).clip(0, 4)
    lo, hi = PRODUCT_RANGE[product, 0], PRODUCT_RANGE[product, 1]
    amount = PRODUCT_MEDIAN[product] * rng.lognormal(0, 0.6, n) * (u["income"] / 90_000) ** 0.3
    amount = np.clip(np.round(amount, -2), lo, hi)
    long_p = np.where(product == 0, 0, 1)
    term = TERMS[np.where(long_p == 1, rng.choice(4, n, p=[0.05, 0.15, 0.4, 0.4]),
                          rng.choice(4, n, p=[0.2, 0.35, 0.35, 0.1]))]
    income = np.round(u["income"] * rng.lognormal(0, 0.05, n), -2)
    debt = np.round(u["dti"] * income / 12 * rng.lognormal(0, 0.15, n), 2)
    thin = u["thin"]
    score = np.where(thin, NA, np.clip(u["score"] + rng.integers(-10, 11, n), 300, 900))
    # --- policy on observables only ---
    dti_after = (debt + annuity(amount, np.full(n, 0.18), term)) / (income / 12)
    reason = np.full(n, -1)
    rules = [
        (R["fraud_check"], rng.random(n) < 0.03),
        (R["high_debt_to_income"], dti_after > 0.65),
        (R["thin_file"], thin & ((income < 70_000) | (age < 23))),
        (R["low_bureau_score"], ~thin & (score < 580)),
        (R["internal_history"], (bad_since != NA) & (bad_since <= applied_ts // DAY)),
        (R["insufficient_income"], income < 30_000),
        (R["employment_status"], emp == 6),
        (R["age_policy"], (age < 19) | (age > 58)),
    ]
    for code, hit in rules:  # later rules take precedence: the first failing rule in policy order
        reason = np.where(hit, code, reason)
    approved = reason < 0
    eff = np.where(thin, 615, score) - 300 * np.maximum(dti_after - 0.35, 0)
    grade = np.searchsorted(-np.array([700, 655, 615, 560]), -eff, side="right")
    grade = np.where(thin, np.maximum(grade, 2), grade)
    lo_apr, hi_apr = GRADE_APR[grade, 0], GRADE_APR[grade, 1]
    apr = np.round((lo_apr + rng.random(n) * (hi_apr - lo_apr)) * 10_000).astype(np.int64)
    limit = np.floor(income * GRADE_LIMIT[grade] / 100) * 100
    approved_amt = np.maximum(np.minimum(amount, limit), np.minimum(amount, 1_000))
    # --- timings ---
    same_day = rng.random(n) < 0.7
    later = rng.integers(1, 4, n)
    decided = np.where(same_day, applied_ts + rng.integers(60, 3 * HOUR, n),
                       (applied_ts // DAY + later) * DAY + rng.integers(9 * HOUR, 19 * HOUR, n))
    cancelled = approved & (rng.random(n) < 0.10)
    cancel_ts = decided + rng.integers(HOUR, 4 * DAY, n)
    disb_ts = decided + rng.integers(300, 6 * HOUR, n)
    cents = np.round(amount * 100).astype(np.int64)
    apps = {"app_idx": app_id, "user_idx": user_idx, "applied_ts": applied_ts, "term": term,
            "approved": approved, "cancelled": cancelled, "decided": decided,
            "cancel_ts": cancel_ts, "disb_ts": disb_ts, "apr": apr, "grade": grade,
            "principal": np.round(approved_amt * 100).astype(np.int64), "income": income,
            "dti_after": dti_after, "requested": cents}
    base = {"application_id": app_id, "user_id": user_idx, "applied_at": applied_ts,
            "product": product.astype(np.int64), "requested_amount": cents, "term_months": term,
            "annual_income": np.round(income * 100).astype(np.int64),
            "monthly_debt": np.round(debt * 100).astype(np.int64), "employment_type": emp,
            "bureau_score": score}
    na = np.full(n, NA)
    sub = {**base, "status": np.zeros(n, np.int64), "decided_at": na, "approved_amount": na,
           "apr": na, "reject_reason": np.full(n, -1), "updated_at": applied_ts,
           "_day": applied_ts // DAY}
    dec = {**base, "status": np.where(approved, 1, 2), "decided_at": decided,
           "approved_amount": np.where(approved, apps["principal"], NA),
           "apr": np.where(approved, apr, NA), "reject_reason": reason,
           "updated_at": decided, "_day": decided // DAY}
    c = np.flatnonzero(cancelled)
    can = {k: v[c] for k, v in dec.items()}
    can["status"] = np.full(len(c), 3)
    can["updated_at"] = cancel_ts[c]
    can["_day"] = cancel_ts[c] // DAY
    rows = {k: np.concatenate([sub[k], dec[k], can[k]]) for k in sub}
    return apps, rows


def apply_start_events(rng: np.random.Generator, user_idx: np.ndarray, applied_ts: np.ndarray,
                       reg_ts: np.ndarray) -> Frame:
    """The app's apply_start event a few minutes before each submitted application (never
    before the user registered)."""
    lead = np.minimum(rng.integers(60, 1200, len(user_idx)), (applied_ts - reg_ts) // 2)
    ts = applied_ts - np.maximum(lead, 0)
    return {"user_id": user_idx, "event_type": np.full(len(ts), 2), "occurred_at": ts}


def reapply_after_reject(rng: np.random.Generator, apps: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Some rejected applicants try again 3-16 weeks later."""
    rej = np.flatnonzero(~apps["approved"] & (rng.random(len(apps["approved"])) < 0.22))
    return apps["user_idx"][rej], apps["decided"][rej] + rng.integers(20, 112, len(rej)) * DAY
