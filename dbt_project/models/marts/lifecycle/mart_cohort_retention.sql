-- Registration-month cohort x months since registration k = 0 .. (as-of month): cohort size, users
-- with at least one activity day (int_lifecycle_activity_days) in calendar month cohort + k, and
-- retention rate = active_users / cohort_size (docs/lifecycle_definitions.md).
with month_ends as (
    select month_start_date, month_end_date, is_complete_month
    from {{ ref('int_lifecycle_month_ends') }}
),

users as (
    select user_id, {{ risk_month_start('registered_date') }} as cohort_month
    from {{ ref('stg_users') }}
),

cohorts as (
    select u.cohort_month, count(*) as cohort_size
    from users as u
    inner join month_ends as m
        on m.month_start_date = u.cohort_month
    group by u.cohort_month
),

user_active_months as (
    select distinct user_id, {{ risk_month_start('activity_date') }} as activity_month
    from {{ ref('int_lifecycle_activity_days') }}
),

active as (
    select u.cohort_month, a.activity_month, count(*) as active_users
    from user_active_months as a
    inner join users as u
        on u.user_id = a.user_id
    group by u.cohort_month, a.activity_month
),

grid as (
    select
        c.cohort_month,
        c.cohort_size,
        m.month_start_date as activity_month,
        m.month_end_date,
        m.is_complete_month,
        {{ dbt.datediff('c.cohort_month', 'm.month_start_date', 'month') }} as months_since_registration
    from cohorts as c
    inner join month_ends as m
        on m.month_start_date >= c.cohort_month
)

select
    cast(g.cohort_month as date) as cohort_month,
    cast(g.months_since_registration as integer) as months_since_registration,
    cast(g.activity_month as date) as activity_month,
    g.is_complete_month,
    cast(g.cohort_size as integer) as cohort_size,
    cast(coalesce(a.active_users, 0) as integer) as active_users,
    cast(1.0 * coalesce(a.active_users, 0) / g.cohort_size as double) as retention_rate
from grid as g
left join active as a
    on a.cohort_month = g.cohort_month
   and a.activity_month = g.activity_month
