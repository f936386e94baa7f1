"""Which figures must agree between the DuckDB and the Spark build: one row per model.

Every relation of the staging, intermediate and marts schemas is compared on its row count
anyway (test_every_relation_has_the_same_row_count); a row here also compares the named figure
columns, row by row, joined on the key columns. A new mart family adds its figures by adding rows.

Tolerance (absolute, per value): DECIMAL, integer, date, string and boolean columns must be EQUAL
(tolerance 0: both engines do exact decimal arithmetic). DOUBLE ratios get FLOAT_TOLERANCE, because
the two engines may sum floats in a different order; a real difference (one loan in another
bucket) moves a ratio by far more than 1e-9 on this dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Figures:
    relation: str                 # schema.model
    keys: tuple[str, ...]         # unique per row (the model's unique_combination_of_columns)
    figures: tuple[str, ...]      # compared per row
    tolerance: float = 0.0        # absolute, for float columns; everything else is exact


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
)
