-- User x reporting month-end lifecycle stage and tier, as analysts read it: built (incrementally,
-- docs/incremental.md) in int_lifecycle_user_months, which the models below the marts read, and
-- published here as a view: no second copy to rewrite every day. Definitions: this model's YAML.
{{ config(materialized='view') }}
select
    user_id,
    month_end_date,
    month_start_date,
    is_complete_month,
    registration_month,
    months_since_registration,
    acquisition_channel,
    stage,
    previous_stage,
    activity_status,
    last_activity_date,
    days_since_last_activity,
    has_outstanding_loan,
    active_loans,
    max_dpd,
    max_dpd_ever,
    is_borrower,
    value_to_date,
    value_trailing_12m,
    tier
from {{ ref('int_lifecycle_user_months') }}
