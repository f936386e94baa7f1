{{ config(meta={"dagster": {"ref": {"name": "mart_lifecycle_summary"}}}) }}
-- At every month-end the users over all channels and stages of mart_lifecycle_summary add up to
-- the users registered by that month-end (stg_users), which is also mart_growth_monthly's
-- registered_users. Fails with the month-ends where any of the three differ.
with registered as (
    select m.month_end_date, count(u.user_id) as registered_users
    from {{ ref('int_lifecycle_month_ends') }} as m
    left join {{ ref('stg_users') }} as u
        on u.registered_date <= m.month_end_date
    group by m.month_end_date
),

summary as (
    select month_end_date, sum(users) as users
    from {{ ref('mart_lifecycle_summary') }}
    group by month_end_date
)

select r.month_end_date, r.registered_users, s.users as summary_users, g.registered_users as growth_registered
from registered as r
left join summary as s
    on s.month_end_date = r.month_end_date
left join {{ ref('mart_growth_monthly') }} as g
    on g.month_end_date = r.month_end_date
where coalesce(s.users, 0) <> r.registered_users
   or g.registered_users is null
   or g.registered_users <> r.registered_users
