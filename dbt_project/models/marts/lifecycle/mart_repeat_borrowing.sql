-- First-loan cohort (month of the first disbursement) x months since the first loan k = 0 ..
-- (as-of month): borrowers in the cohort, repeat borrowers = those whose second loan was disbursed
-- by the end of calendar month cohort + k, and repeat_borrowing_rate = repeat / borrowers
-- (cumulative, so non-decreasing in k; docs/lifecycle_definitions.md).
with month_ends as (
    select month_start_date, month_end_date, is_complete_month
    from {{ ref('int_lifecycle_month_ends') }}
),

borrowers as (
    select
        user_id,
        {{ risk_month_start('first_disbursed_date') }} as cohort_month,
        {{ risk_month_start('second_disbursed_date') }} as second_loan_month
    from {{ ref('int_lifecycle_user_milestones') }}
    where first_disbursed_date is not null
),

-- counts per (cohort, month of the second loan) first: the grid below is cohorts x months, small
cohort_counts as (
    select cohort_month, second_loan_month, count(*) as users
    from borrowers
    group by cohort_month, second_loan_month
),

grid as (
    select
        c.cohort_month,
        m.month_start_date,
        m.month_end_date,
        m.is_complete_month,
        sum(c.users) as borrowers,
        sum(case when c.second_loan_month <= m.month_start_date then c.users else 0 end) as repeat_borrowers
    from cohort_counts as c
    inner join month_ends as m
        on m.month_start_date >= c.cohort_month
    group by c.cohort_month, m.month_start_date, m.month_end_date, m.is_complete_month
)

select
    cast(cohort_month as date) as cohort_month,
    cast({{ dbt.datediff('cohort_month', 'month_start_date', 'month') }} as integer) as months_since_first_loan,
    cast(month_end_date as date) as month_end_date,
    is_complete_month,
    cast(borrowers as integer) as borrowers,
    cast(repeat_borrowers as integer) as repeat_borrowers,
    cast(1.0 * repeat_borrowers / borrowers as double) as repeat_borrowing_rate
from grid
