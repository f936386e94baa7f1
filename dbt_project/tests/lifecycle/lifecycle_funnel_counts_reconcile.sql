{{ config(meta={"dagster": {"ref": {"name": "mart_funnel_monthly"}}}) }}
-- Every user registered by the as-of date is one registration in mart_funnel_monthly, and every
-- borrower one new borrower; the cohort view of a month follows exactly that month's
-- registrations, so its borrowers also add up to all borrowers. Fails with the differences.
with funnel as (
    select sum(registrations) as registrations, sum(new_borrowers) as new_borrowers,
           sum(cohort_borrowers) as cohort_borrowers
    from {{ ref('mart_funnel_monthly') }}
),

expected as (
    select
        sum(case when u.registered_date <= a.as_of_date then 1 else 0 end) as registrations,
        sum(case when m.first_disbursed_date is not null and u.registered_date <= a.as_of_date then 1 else 0 end)
            as borrowers
    from {{ ref('stg_users') }} as u
    inner join {{ ref('int_lifecycle_user_milestones') }} as m
        on m.user_id = u.user_id
    cross join {{ ref('int_risk_as_of_date') }} as a
)

select f.*, e.registrations as expected_registrations, e.borrowers as expected_borrowers
from funnel as f
cross join expected as e
where f.registrations <> e.registrations
   or f.new_borrowers <> e.borrowers
   or f.cohort_borrowers <> e.borrowers
