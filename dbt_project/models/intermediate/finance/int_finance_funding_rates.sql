-- Annual funding rate per reporting month: the rate of the latest effective_month on or before
-- the month's first day (seed finance_funding_rates). A month before every effective_month takes
-- the earliest row's rate (rate_applied_backwards): a lender's history may start before the rates
-- the finance team entered, and a missing rate must not stop the warehouse. The run summary and a
-- warn-level test name the months so the seed can be completed (int_seed_backfills).
with month_ends as (
    select month_start_date, month_end_date from {{ ref('int_risk_month_ends') }}
),

rates as (
    select effective_month, annual_funding_rate from {{ ref('finance_funding_rates') }}
),

earliest as (
    select min(effective_month) as effective_month from rates
),

ranked as (
    select
        m.month_start_date,
        m.month_end_date,
        r.effective_month,
        r.annual_funding_rate,
        row_number() over (partition by m.month_end_date order by r.effective_month desc) as rn
    from month_ends as m
    cross join earliest as e
    inner join rates as r
        on r.effective_month <= m.month_start_date
        or (m.month_start_date < e.effective_month and r.effective_month = e.effective_month)
)

select
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    cast(effective_month as date) as rate_effective_month,
    cast(annual_funding_rate as double) as annual_funding_rate,
    month_start_date < effective_month as rate_applied_backwards
from ranked
where rn = 1
