-- Lifecycle reporting month-ends: one row per calendar month from the first registration month
-- to the month containing the risk as-of date (int_risk_as_of_date), so lifecycle and risk marts
-- share one as-of date and identical month_end_date values where they overlap.
-- month_end_date = last day of the month, or the as-of date in the (incomplete) as-of month.
{{ reporting_month_ends_ctes(ref('stg_users'), 'registered_date') }}

select
    cast(month_index as integer) as month_index,
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    is_complete_month
from final
