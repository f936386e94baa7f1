-- Funnel milestones of every user (one row per user in stg_users), all local dates on or before
-- the as-of date: first application (applied_date), first approval (decided_date of the first
-- application with status 'approved'), first and second disbursement (stg_loans via
-- int_risk_loan_lifecycle) and first repayment (first day with a payment on any of the user's loans).
-- A disbursed loan implies an application and an approval: the export of a loan can arrive before
-- the export of its application's decision (or the application may be missing), so the first
-- disbursement bounds both dates from above. Without it a borrower could count as never approved.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

applications as (
    select
        a.user_id,
        min(a.applied_date) as first_application_date,
        min(case when a.status = 'approved' then a.decided_date end) as first_approval_date
    from {{ ref('stg_applications') }} as a
    cross join as_of as o
    where a.applied_date <= o.as_of_date
    group by a.user_id
),

loans_ranked as (
    select
        user_id,
        loan_id,
        disbursed_date,
        row_number() over (partition by user_id order by disbursed_date, loan_id) as loan_seq
    from {{ ref('int_risk_loan_lifecycle') }}
),

loans as (
    select
        user_id,
        count(*) as loans_disbursed,
        min(case when loan_seq = 1 then disbursed_date end) as first_disbursed_date,
        min(case when loan_seq = 2 then disbursed_date end) as second_disbursed_date
    from loans_ranked
    group by user_id
),

repayments as (
    select l.user_id, min(p.paid_date) as first_repayment_date
    from {{ ref('int_risk_loan_payments_daily') }} as p
    inner join {{ ref('int_risk_loan_lifecycle') }} as l
        on l.loan_id = p.loan_id
    group by l.user_id
)

select
    u.user_id,
    cast(
        case
            when a.first_application_date is null then l.first_disbursed_date
            when l.first_disbursed_date is null then a.first_application_date
            else least(a.first_application_date, l.first_disbursed_date)
        end as date
    ) as first_application_date,
    cast(
        case
            when a.first_approval_date > o.as_of_date or a.first_approval_date is null
                then l.first_disbursed_date
            when l.first_disbursed_date is null then a.first_approval_date
            else least(a.first_approval_date, l.first_disbursed_date)
        end as date
    ) as first_approval_date,
    cast(l.first_disbursed_date as date) as first_disbursed_date,
    cast(l.second_disbursed_date as date) as second_disbursed_date,
    cast(r.first_repayment_date as date) as first_repayment_date,
    cast(coalesce(l.loans_disbursed, 0) as integer) as loans_disbursed
from {{ ref('stg_users') }} as u
cross join as_of as o
left join applications as a
    on a.user_id = u.user_id
left join loans as l
    on l.user_id = u.user_id
left join repayments as r
    on r.user_id = u.user_id
