"""Model settings in one place: features, scaling, grade bands, minimums and gate rules.

Every number here is documented in docs/ml.md; change it there too.
"""

from __future__ import annotations

SEED = 42

# --- credit (PD) model -------------------------------------------------------------------------
CREDIT_MODEL = "credit_pd"
CREDIT_GBM_MODEL = CREDIT_MODEL + "_gbm"  # the gradient-boosting challenger, same data and label
CREDIT_FEATURES_TABLE = "feat_credit_applications"  # dbt model, schema marts
CREDIT_NUMERIC = [
    "requested_amount", "term_months", "annual_income", "debt_to_income", "loan_to_income",
    "bureau_score", "age_at_application", "city_tier", "prior_loans", "prior_applications",
    "prior_rejections", "prior_max_dpd", "prior_on_time_share", "days_since_last_payoff",
    "app_events_30d",
]
CREDIT_CATEGORICAL = ["product", "employment_type", "acquisition_channel", "bureau_score_missing"]
CREDIT_FEATURES = CREDIT_NUMERIC + CREDIT_CATEGORICAL
CREDIT_LABEL = "is_bad"
CREDIT_TIME = "disbursed_month"

# Scorecard scaling: score = BASE_SCORE at odds good:bad = BASE_ODDS, +PDO points per doubling.
BASE_SCORE = 600
BASE_ODDS = 50.0
PDO = 20.0

# Grades by score (lower bound inclusive): A >= 600 (PD <= ~2%), B 570-599, C 550-569,
# D 530-549, E < 530 (PD > ~18%).
GRADE_BANDS = [("A", 600), ("B", 570), ("C", 550), ("D", 530), ("E", float("-inf"))]
# Approval cut-off used by the fairness check: grades A-C are "approved by the scorecard".
APPROVE_GRADES = ("A", "B", "C")

# Thin-data minimums (docs/ml.md#thin-data): below them training refuses with a clear message.
CREDIT_MIN_MATURE = 300   # mature loans (label observable) in train + OOT
CREDIT_MIN_BADS = 30      # bads among them
CREDIT_MIN_OOT = 100      # loans in the out-of-time set
OOT_SHARE = 0.25          # latest mature months covering >= this share of mature loans form the OOT
BINS_PER_BADS = 15        # at most one bin per this many training bads ...
MAX_BINS = 8              # ... and never more than this (min 2)
MIN_BIN_SHARE = 0.05      # each bin holds >= 5% of training rows
MIN_IV = 0.02             # features with a lower information value stay out of the scorecard

# Beyond ~1M rows a GBM with these few features gains nothing measurable from more rows, only
# time and memory: larger training sets (churn at 1M applications is ~5M user-months) and drift
# reference windows are a seeded uniform sample of this many rows (docs/ml.md, docs/benchmarks.md).
MAX_TRAIN_ROWS = 1_000_000
MAX_REFERENCE_ROWS = 1_000_000

# --- retention (churn) model -------------------------------------------------------------------
CHURN_MODEL = "churn"
CHURN_FEATURES_TABLE = "feat_user_churn"  # dbt model, schema marts
CHURN_NUMERIC = [
    "days_since_last_activity", "events_30d", "events_90d", "active_days_30d", "tenure_days",
    "applications_90d", "rejections_90d", "loans_to_date", "active_loans", "outstanding_principal",
    "current_dpd",
]
CHURN_CATEGORICAL = ["last_product", "acquisition_channel", "age_band", "tier"]
CHURN_FEATURES = CHURN_NUMERIC + CHURN_CATEGORICAL
CHURN_LABEL = "churned"
CHURN_TIME = "snapshot_month"
CHURN_SNAPSHOT = "snapshot_date"  # the scores are the users of the latest one
CHURN_MIN_ROWS = 500
CHURN_MIN_EVENTS = 30
CHURN_MIN_OOT = 100
# Churn bands by probability (lower bound inclusive).
CHURN_BANDS = [("high", 0.5), ("medium", 0.25), ("low", float("-inf"))]

# --- gate (docs/ml.md#gate) --------------------------------------------------------------------
FIRST_VERSION_MIN_AUC = 0.60
AUC_TOLERANCE = 0.005     # challenger AUC >= champion AUC - this
BRIER_TOLERANCE = 0.01    # challenger Brier <= champion Brier + this
PSI_LIMIT = 0.25          # PSI train -> OOT of the challenger's score must be below this

# --- monitoring (asset checks) -----------------------------------------------------------------
PSI_WARN = 0.10
PSI_FAIL = 0.25
AUC_DECAY_WARN = 0.05     # AUC on loans matured since training this much below training AUC
ADVERSE_IMPACT_MIN = 0.8  # approval-rate ratio of a group to the best group below this is flagged
