{{ config(meta={"dagster": {"ref": {"name": "mart_user_lifecycle_monthly"}}}) }}
-- Each user has exactly one stage at every reporting month-end from the registration month on:
-- the mart's rows per user equal the month-ends on or after the registration day, and no user
-- registered by the as-of date is missing. Fails with the users whose count differs.
with month_ends as (
    select month_end_date from {{ ref('int_lifecycle_month_ends') }}
),

expected as (
    select u.user_id, count(*) as month_ends
    from {{ ref('stg_users') }} as u
    inner join month_ends as m
        on m.month_end_date >= u.registered_date
    group by u.user_id
),

actual as (
    select user_id, count(*) as month_ends, count(distinct month_end_date) as distinct_month_ends,
           sum(case when stage is null then 1 else 0 end) as null_stages
    from {{ ref('mart_user_lifecycle_monthly') }}
    group by user_id
)

select
    coalesce(e.user_id, a.user_id) as user_id,
    e.month_ends as expected_month_ends,
    a.month_ends as actual_month_ends,
    a.distinct_month_ends,
    a.null_stages
from expected as e
full outer join actual as a
    on a.user_id = e.user_id
where e.month_ends is null
   or a.month_ends is null
   or e.month_ends <> a.month_ends
   or a.distinct_month_ends <> a.month_ends
   or a.null_stages > 0
