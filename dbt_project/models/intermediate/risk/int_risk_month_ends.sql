-- Reporting month-ends: one row per calendar month from the month of the first disbursement
-- (on or before the as-of date) to the month containing the as-of date.
-- month_end_date = last day of the month, or the as-of date for the (incomplete) as-of month.
{{ reporting_month_ends_ctes(ref('stg_loans'), 'disbursed_date') }}

select
    cast(month_index as integer) as month_index,
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    is_complete_month,
    cast({{ risk_days_between('month_start_date', 'month_end_date') }} + 1 as integer) as days_in_period
from final
