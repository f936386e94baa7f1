"""Which figures must agree between the DuckDB and the Spark build: one row per model.

Every relation of the staging, intermediate and marts schemas is compared on its row count
anyway (test_every_relation_has_the_same_row_count); a row here also compares the named figure
columns, row by row, joined on the key columns. A new mart family adds its figures by adding rows.

Tolerance (per value): DECIMAL, integer, date, string and boolean columns must be EQUAL
(tolerance 0: both engines do exact decimal arithmetic). DOUBLE columns get FLOAT_TOLERANCE,
because the two engines may sum floats in a different order: absolute for values up to 1 in
magnitude (ratios, rates, probabilities), relative to the value above that (double sums of CNY
amounts or fractional credits, e.g. attributed value, where the last bits differ with the order of
summation). A real difference (one loan in another bucket, one journey credited to another
channel) moves a figure by far more than 1e-9 on this dataset.

Markov removal effects and Shapley values are computed in Python (ml/attribution) from the
aggregated paths read from each engine: identical integer inputs, so the only allowed difference
is FLOAT_TOLERANCE (there is no engine arithmetic in them; the dbt marts over them only join).
Attribution totals per model and conversion type are compared at the finest grain of
mart_channel_attribution (month x conversion type x model x channel), which implies the totals.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Figures:
    relation: str                 # schema.model
    keys: tuple[str, ...]         # unique per row (the model's unique_combination_of_columns)
    figures: tuple[str, ...]      # compared per row
    tolerance: float = 0.0        # float columns: absolute up to |1|, relative above; rest exact


FIGURES: tuple[Figures, ...] = (
    # risk (docs/risk_definitions.md)
    Figures("marts.mart_portfolio_monthly", ("month_end_date",),
            ("active_loans", "outstanding_principal", "disbursed_principal", "m1_principal",
             "m4plus_loans", "npl_ratio", "par30_ratio", "npl_count_rate", "charged_off_loans",
             "charge_off_amount", "recoveries", "net_charge_off_rate_annualised", "expected_loss",
             "expected_loss_rate"), FLOAT_TOLERANCE),
    Figures("marts.mart_portfolio_monthly_segmented",
            ("month_end_date", "product", "acquisition_channel", "city_tier"),
            ("active_loans", "outstanding_principal", "npl_ratio", "expected_loss"), FLOAT_TOLERANCE),
    Figures("marts.mart_vintage", ("cohort_month", "months_on_book"),
            ("loans", "principal", "outstanding_principal", "ever_dpd30_loans", "ever_dpd30_rate",
             "ever_dpd90_rate", "charged_off_loans", "cum_charge_off_rate", "cum_net_loss_rate",
             "cum_principal_paid"), FLOAT_TOLERANCE),
    Figures("marts.mart_roll_rates", ("month_end_date", "from_state", "to_state"),
            ("loans", "balance", "count_rate", "balance_rate"), FLOAT_TOLERANCE),
    Figures("marts.mart_approvals_monthly", ("application_month", "product", "acquisition_channel"),
            ("applications", "approved", "rejected", "disbursed", "approval_rate",
             "disbursed_principal", "avg_apr_disbursed", "share_principal_apr_over_24"),
            FLOAT_TOLERANCE),
    Figures("marts.mart_first_payment_default", ("disbursed_month", "product", "acquisition_channel"),
            ("loans", "principal", "fpd7_loans", "fpd7_rate", "fpd30_loans", "fpd30_rate"),
            FLOAT_TOLERANCE),
    Figures("marts.mart_collections_compliance", ("action_month", "agent_id"),
            ("actions", "calls", "violations_outside_call_hours", "violations_excess_daily_calls",
             "violations_third_party_contact", "violation_rate"), FLOAT_TOLERANCE),
    Figures("marts.fct_loan_month_end", ("loan_id", "month_end_date"),
            ("months_on_book", "outstanding_principal", "dpd", "bucket", "max_dpd_to_date",
             "is_charged_off", "recoveries_to_date", "principal_paid_to_date")),
    Figures("marts.fct_loan_dpd_intervals", ("loan_id", "valid_from"),
            ("valid_to", "overdue_anchor_date", "dpd_at_valid_from", "loan_state",
             "outstanding_principal")),
    # portable macros: local_date / local_time (time zone), pii_hash (HMAC-SHA256 on both engines)
    Figures("staging.stg_users", ("user_id",),
            ("registered_date", "full_name_hash", "phone_hash", "id_number_hash",
             "age_at_registration", "age_band")),
    Figures("staging.stg_collection_actions", ("action_id",), ("action_date", "action_local_time")),
    Figures("intermediate.int_user_acquisition", ("user_id",),
            ("acquisition_channel", "acquisition_campaign_id")),
    # lifecycle (docs/lifecycle_definitions.md)
    Figures("marts.mart_funnel_monthly", ("month_start_date", "channel"),
            ("visitors", "registrations", "first_applications", "first_approvals", "new_borrowers",
             "first_repayments", "registration_conversion_rate", "cohort_applicants",
             "cohort_approved", "cohort_borrowers", "cohort_repaid", "cohort_borrower_rate"),
            FLOAT_TOLERANCE),
    Figures("marts.mart_lifecycle_summary", ("month_end_date", "acquisition_channel", "stage"),
            ("users", "from_none", "from_new", "from_active", "from_reactivated", "from_dormant",
             "from_churned")),
    Figures("marts.mart_cohort_retention", ("cohort_month", "months_since_registration"),
            ("cohort_size", "active_users", "retention_rate"), FLOAT_TOLERANCE),
    Figures("marts.mart_user_value", ("user_id",),
            ("first_disbursed_date", "loans", "principal", "interest_paid", "fees_paid",
             "penalties_paid", "charge_offs", "recoveries", "net_value_to_date", "value_3m",
             "value_6m", "value_12m")),
    Figures("marts.mart_growth_monthly", ("month_start_date",),
            ("new_registrations", "registered_users", "monthly_active_users", "active_borrowers",
             "registered_users_mom_growth", "mau_mom_growth"), FLOAT_TOLERANCE),
    Figures("marts.mart_user_lifecycle_monthly", ("user_id", "month_end_date"),
            ("stage", "previous_stage", "activity_status", "days_since_last_activity",
             "active_loans", "max_dpd", "value_to_date", "value_trailing_12m", "tier")),
    Figures("marts.dim_users", ("user_id",),
            ("acquisition_channel", "first_disbursed_date", "loans_disbursed", "current_stage",
             "current_tier")),
    # ML (docs/ml.md): point-in-time features, and the models reading the score tables that
    # tools/harness/ml_step.py writes between the dbt invocations (expected loss with the
    # calibrated model PD, portfolio by grade, score performance, retention targets)
    Figures("marts.feat_credit_applications", ("application_id",),
            ("applied_month", "bureau_score", "debt_to_income", "prior_loans", "prior_max_dpd",
             "prior_on_time_share", "days_since_last_payoff", "app_events_30d", "city_tier",
             "is_bad"), FLOAT_TOLERANCE),
    Figures("marts.feat_user_churn", ("user_id", "snapshot_date"),
            ("days_since_last_activity", "events_30d", "events_90d", "tenure_days",
             "outstanding_principal", "current_dpd", "last_product", "age_band", "tier", "churned")),
    Figures("intermediate.int_risk_loan_expected_loss", ("loan_id", "month_end_date"),
            ("bucket", "pd_12m", "pd_source", "model_pd", "ead", "expected_loss"), FLOAT_TOLERANCE),
    Figures("marts.mart_portfolio_monthly_by_grade", ("month_end_date", "risk_grade"),
            ("active_loans", "outstanding_principal", "par30_ratio", "expected_loss",
             "expected_loss_rate"), FLOAT_TOLERANCE),
    Figures("marts.mart_score_performance", ("grade", "applied_month"),
            ("applications", "approvals", "approval_rate", "loans", "observable_loans")),
    Figures("marts.mart_retention_targets", ("user_id",),
            ("snapshot_date", "tier", "stage", "churn_band", "churn_probability", "operation"),
            FLOAT_TOLERANCE),
    # attribution (docs/attribution_definitions.md)
    Figures("marts.mart_channel_attribution", ("month", "conversion_type", "model", "channel"),
            ("conversions", "value"), FLOAT_TOLERANCE),
    Figures("marts.mart_markov_removal_effects", ("conversion_type", "channel"),
            ("conversion_probability", "conversion_probability_without", "removal_effect",
             "credit", "credit_path_allocated"), FLOAT_TOLERANCE),
    Figures("marts.mart_shapley_values", ("conversion_type", "channel"),
            ("shapley_value", "credit"), FLOAT_TOLERANCE),
    Figures("marts.mart_channel_performance_monthly", ("month", "channel"),
            ("spend", "visitors", "registrations", "new_borrowers", "new_borrowers_markov",
             "cac_per_new_borrower", "attributed_value_12m", "roas"), FLOAT_TOLERANCE),
    # finance (docs/finance_definitions.md)
    Figures("marts.mart_revenue_monthly", ("month_end_date", "product", "acquisition_channel"),
            ("interest_collected", "fees_collected", "penalties_collected", "net_charge_off_amount",
             "principal_days", "avg_outstanding_principal", "funding_cost", "net_revenue",
             "yield_annualised", "loss_rate_annualised", "avg_contract_apr",
             "principal_weighted_apr", "share_loans_apr_over_24"), FLOAT_TOLERANCE),
    Figures("marts.mart_apr_distribution_monthly",
            ("month_end_date", "product", "acquisition_channel", "apr_band"),
            ("loans", "principal", "share_of_loans", "share_of_principal"), FLOAT_TOLERANCE),
    # KPI scorecard (docs/kpi_definitions.md)
    Figures("marts.mart_kpi_scorecard", ("month_start_date", "kpi"),
            ("actual", "target_min", "target_max", "status", "status_reason"), FLOAT_TOLERANCE),
    # regulatory (docs/regulatory_definitions.md): all-in APR by Newton steps, the roll-rate chain
    # unrolled per month, stages, scenario-weighted ECL (the models after scoring read model PD)
    Figures("intermediate.int_disclosure_loan_all_in_apr", ("loan_id",),
            ("installments", "amount_due", "contract_apr", "all_in_apr", "npv_error"),
            FLOAT_TOLERANCE),
    Figures("intermediate.int_ecl_roll_matrix", ("from_state", "to_state"),
            ("loans", "balance", "from_state_loans", "transition_probability"), FLOAT_TOLERANCE),
    Figures("intermediate.int_ecl_lifetime_pd", ("bucket", "horizon_months"), ("lifetime_pd",),
            FLOAT_TOLERANCE),
    Figures("intermediate.int_ecl_scenarios_monthly", ("month_end_date", "scenario"),
            ("scenario_effective_month", "weight", "pd_multiplier"), FLOAT_TOLERANCE),
    Figures("intermediate.int_ecl_loan_month_end", ("loan_id", "month_end_date"),
            ("stage", "stage_reason", "is_npl", "origination_pd_grade", "pd_grade",
             "lifetime_horizon_months", "pd_12m", "lifetime_pd", "pd_applied", "ead",
             "ecl_unadjusted", "pd_weighted", "ecl"), FLOAT_TOLERANCE),
    Figures("marts.mart_disclosure_monthly", ("month_end_date", "product"),
            ("cumulative_loans", "cumulative_principal", "cumulative_borrowers",
             "loans_outstanding", "principal_outstanding", "active_borrowers", "overdue_loans",
             "overdue_principal", "overdue_count_rate", "overdue_amount_rate",
             "overdue_90_principal", "overdue_90_amount_rate", "largest_borrower_principal",
             "top_borrowers_principal", "top_borrowers_share", "disbursed_loans",
             "avg_contract_apr", "max_contract_apr", "avg_all_in_apr", "max_all_in_apr",
             "loans_all_in_apr_over_24", "loans_all_in_apr_over_36"), FLOAT_TOLERANCE),
    Figures("marts.mart_ecl_monthly", ("month_end_date", "product", "acquisition_channel", "stage"),
            ("loans", "gross_carrying_amount", "allowance", "allowance_unadjusted",
             "coverage_ratio", "pd_weighted_by_ead"), FLOAT_TOLERANCE),
    Figures("marts.mart_ecl_stage_transitions", ("month_end_date", "from_stage", "to_state"),
            ("loans", "balance", "count_rate", "balance_rate"), FLOAT_TOLERANCE),
    Figures("marts.mart_ecl_stress", ("month_end_date", "scenario"),
            ("weight", "pd_multiplier", "gross_carrying_amount", "allowance", "allowance_stage_1",
             "allowance_stage_2", "allowance_stage_3", "npl_principal", "stressed_npl_principal",
             "stressed_npl_ratio"), FLOAT_TOLERANCE),
    # fraud (docs/fraud_definitions.md): clusters by label propagation, point-in-time velocity
    Figures("marts.mart_fraud_application_signals", ("application_id",),
            ("cluster_id", "cluster_users", "shared_identity_users", "user_apps_24h",
             "user_apps_7d", "phone_apps_24h", "phone_apps_7d", "rule_score", "rules_fired",
             "is_flagged")),
    Figures("marts.mart_fraud_clusters", ("cluster_id",),
            ("users", "shared_phone_hashes", "shared_id_number_hashes", "applications", "loans",
             "principal", "never_pay_observable_loans", "never_pay_loans", "never_pay_rate"),
            FLOAT_TOLERANCE),
    Figures("marts.mart_fraud_campaign_alerts", ("acquisition_campaign_id", "disbursed_week"),
            ("loans", "principal", "never_pay_observable_loans", "never_pay_loans",
             "never_pay_rate", "baseline_never_pay_rate", "is_alert"), FLOAT_TOLERANCE),
)
