-- Annual funding rate per reporting month: the rate of the latest effective_month on or before
-- the month's first day (seed finance_funding_rates). A month before every effective_month gets
-- a null rate, which the not_null test reports (add an earlier row to the seed).
with month_ends as (
    select month_start_date, month_end_date from {{ ref('int_risk_month_ends') }}
),

rates as (
    select effective_month, annual_funding_rate from {{ ref('finance_funding_rates') }}
),

ranked as (
    select
        m.month_start_date,
        m.month_end_date,
        r.effective_month,
        r.annual_funding_rate,
        row_number() over (partition by m.month_end_date order by r.effective_month desc) as rn
    from month_ends as m
    left join rates as r on r.effective_month <= m.month_start_date
)

select
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    cast(effective_month as date) as rate_effective_month,
    cast(annual_funding_rate as double) as annual_funding_rate
from ranked
where rn = 1
