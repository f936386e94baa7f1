-- Forward-looking macro scenarios per reporting month (seed ecl_macro_scenarios): every scenario of
-- the seed's scenario set with the latest effective_month on or before the month's first day. A set
-- applies as a whole until the next effective_month. Months before the earliest effective_month
-- take the earliest set (applied backwards), so no month of any history is left without scenarios.
with month_ends as (
    select month_start_date, month_end_date from {{ ref('int_risk_month_ends') }}
),

scenarios as (
    select effective_month, scenario, weight, pd_multiplier from {{ ref('ecl_macro_scenarios') }}
),

set_months as (
    select distinct effective_month from scenarios
),

-- the applicable set per month: latest effective_month <= month start, else the earliest one
chosen as (
    select
        m.month_start_date,
        m.month_end_date,
        coalesce(
            max(case when s.effective_month <= m.month_start_date then s.effective_month end),
            min(s.effective_month)
        ) as effective_month
    from month_ends as m
    cross join set_months as s
    group by m.month_start_date, m.month_end_date
)

select
    cast(c.month_start_date as date) as month_start_date,
    cast(c.month_end_date as date) as month_end_date,
    cast(c.effective_month as date) as scenario_effective_month,
    cast(s.scenario as {{ dbt.type_string() }}) as scenario,
    cast(s.weight as double) as weight,
    cast(s.pd_multiplier as double) as pd_multiplier
from chosen as c
inner join scenarios as s
    on s.effective_month = c.effective_month
