-- Lifecycle reporting month-ends: one row per calendar month from the first registration month
-- to the month containing the risk as-of date (int_risk_as_of_date), so lifecycle and risk marts
-- share one as-of date and identical month_end_date values where they overlap.
-- month_end_date = last day of the month, or the as-of date in the (incomplete) as-of month.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

bounds as (
    select
        {{ risk_month_start('min(u.registered_date)') }} as first_month,
        {{ risk_month_start('a.as_of_date') }} as last_month,
        a.as_of_date
    from {{ ref('stg_users') }} as u
    cross join as_of as a
    where u.registered_date <= a.as_of_date
    group by a.as_of_date
),

-- 0..999 months, portable (no generate_series / recursive CTE), as in int_risk_month_ends.
digits as (
    select d from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as t (d)
),

numbers as (
    select units.d + 10 * tens.d + 100 * hundreds.d as n
    from digits as units
    cross join digits as tens
    cross join digits as hundreds
),

months as (
    select
        n.n as month_index,
        {{ risk_add_months('b.first_month', 'n.n') }} as month_start_date,
        b.last_month,
        b.as_of_date
    from bounds as b
    cross join numbers as n
),

final as (
    select
        month_index,
        month_start_date,
        case
            when {{ risk_month_last_day('month_start_date') }} > as_of_date then as_of_date
            else {{ risk_month_last_day('month_start_date') }}
        end as month_end_date,
        {{ risk_month_last_day('month_start_date') }} <= as_of_date as is_complete_month
    from months
    where month_start_date <= last_month
)

select
    cast(month_index as integer) as month_index,
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    is_complete_month
from final
