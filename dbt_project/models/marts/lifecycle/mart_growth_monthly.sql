-- Growth by reporting month (docs/lifecycle_definitions.md, "Growth"): registered users (by the
-- month-end), new registrations, monthly active users (at least one activity day in the calendar
-- month), active borrowers (an outstanding loan at the month-end, from fct_loan_month_end), and
-- their month-over-month and year-over-year growth = value / value of the comparison month - 1,
-- null when the comparison month is not covered by the data or its value is 0.
with month_ends as (
    select month_index, month_start_date, month_end_date, is_complete_month
    from {{ ref('int_lifecycle_month_ends') }}
),

registrations as (
    select {{ risk_month_start('registered_date') }} as month_start_date, count(*) as new_registrations
    from {{ ref('stg_users') }}
    group by {{ risk_month_start('registered_date') }}
),

mau as (
    select {{ risk_month_start('activity_date') }} as month_start_date, count(distinct user_id) as monthly_active_users
    from {{ ref('int_lifecycle_activity_days') }}
    group by {{ risk_month_start('activity_date') }}
),

active_borrowers as (
    select f.month_end_date, count(distinct l.user_id) as active_borrowers
    from {{ ref('fct_loan_month_end') }} as f
    inner join {{ ref('int_risk_loan_lifecycle') }} as l
        on l.loan_id = f.loan_id
    where f.is_active
    group by f.month_end_date
),

monthly as (
    select
        m.month_index,
        m.month_start_date,
        m.month_end_date,
        m.is_complete_month,
        coalesce(r.new_registrations, 0) as new_registrations,
        sum(coalesce(r.new_registrations, 0)) over (
            order by m.month_start_date rows between unbounded preceding and current row
        ) as registered_users,
        coalesce(a.monthly_active_users, 0) as monthly_active_users,
        coalesce(b.active_borrowers, 0) as active_borrowers
    from month_ends as m
    left join registrations as r
        on r.month_start_date = m.month_start_date
    left join mau as a
        on a.month_start_date = m.month_start_date
    left join active_borrowers as b
        on b.month_end_date = m.month_end_date
),

-- comparison months by month_index (months are consecutive), not by row offset
compared as (
    select
        cur.*,
        mom.registered_users as registered_users_prev_month,
        mom.monthly_active_users as mau_prev_month,
        mom.active_borrowers as active_borrowers_prev_month,
        yoy.registered_users as registered_users_prev_year,
        yoy.monthly_active_users as mau_prev_year,
        yoy.active_borrowers as active_borrowers_prev_year
    from monthly as cur
    left join monthly as mom
        on mom.month_index = cur.month_index - 1
    left join monthly as yoy
        on yoy.month_index = cur.month_index - 12
)

select
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    is_complete_month,
    cast(new_registrations as integer) as new_registrations,
    cast(registered_users as integer) as registered_users,
    cast(monthly_active_users as integer) as monthly_active_users,
    cast(active_borrowers as integer) as active_borrowers,
    cast(case when registered_users_prev_month > 0
              then 1.0 * registered_users / registered_users_prev_month - 1 end as double)
        as registered_users_mom_growth,
    cast(case when registered_users_prev_year > 0
              then 1.0 * registered_users / registered_users_prev_year - 1 end as double)
        as registered_users_yoy_growth,
    cast(case when mau_prev_month > 0 then 1.0 * monthly_active_users / mau_prev_month - 1 end as double)
        as mau_mom_growth,
    cast(case when mau_prev_year > 0 then 1.0 * monthly_active_users / mau_prev_year - 1 end as double)
        as mau_yoy_growth,
    cast(case when active_borrowers_prev_month > 0
              then 1.0 * active_borrowers / active_borrowers_prev_month - 1 end as double)
        as active_borrowers_mom_growth,
    cast(case when active_borrowers_prev_year > 0
              then 1.0 * active_borrowers / active_borrowers_prev_year - 1 end as double)
        as active_borrowers_yoy_growth
from compared
