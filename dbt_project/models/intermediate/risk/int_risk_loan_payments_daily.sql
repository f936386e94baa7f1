-- Payments per loan and local payment day (through the as-of date), with the running total of
-- principal paid. All payments of the loan count here, whatever installment they name.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

daily as (
    select
        r.loan_id,
        r.paid_date,
        count(*) as payments,
        sum(r.principal_paid) as principal_paid,
        sum(r.interest_paid) as interest_paid,
        sum(r.fee_paid) as fee_paid,
        sum(r.penalty_paid) as penalty_paid
    from {{ ref('stg_repayments') }} as r
    cross join as_of as a
    where r.paid_date <= a.as_of_date
    group by r.loan_id, r.paid_date
)

select
    loan_id,
    paid_date,
    cast(payments as integer) as payments,
    cast(principal_paid as decimal(18, 2)) as principal_paid,
    cast(interest_paid as decimal(18, 2)) as interest_paid,
    cast(fee_paid as decimal(18, 2)) as fee_paid,
    cast(penalty_paid as decimal(18, 2)) as penalty_paid,
    cast(
        sum(principal_paid) over (
            partition by loan_id order by paid_date rows between unbounded preceding and current row
        ) as decimal(18, 2)
    ) as cum_principal_paid
from daily
