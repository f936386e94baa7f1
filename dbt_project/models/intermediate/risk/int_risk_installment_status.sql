-- Installment paid-off status, one row per scheduled installment.
-- Paid off = the first day on which the cumulative principal + interest + fee paid FOR THIS
-- installment (payments are applied to the installment they name) reaches its amount due,
-- within risk_paid_tolerance (0.01 CNY). Payments after the as-of date are ignored.
-- An installment whose amount due is within the tolerance of 0 counts as paid off on its due date.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

installments as (
    select loan_id, installment_no, due_date, principal_due, interest_due, fee_due, amount_due
    from {{ ref('stg_installments') }}
),

payments_daily as (
    select
        r.loan_id,
        r.installment_no,
        r.paid_date,
        sum(r.principal_paid) as principal_paid,
        sum(r.amount_paid) as amount_paid
    from {{ ref('stg_repayments') }} as r
    cross join as_of as a
    where r.paid_date <= a.as_of_date
    group by r.loan_id, r.installment_no, r.paid_date
),

cumulative as (
    select
        loan_id,
        installment_no,
        paid_date,
        principal_paid,
        amount_paid,
        sum(amount_paid) over (
            partition by loan_id, installment_no
            order by paid_date
            rows between unbounded preceding and current row
        ) as cum_amount_paid
    from payments_daily
),

paid_off as (
    select c.loan_id, c.installment_no, min(c.paid_date) as paid_off_date
    from cumulative as c
    inner join installments as i
        on i.loan_id = c.loan_id and i.installment_no = c.installment_no
    where c.cum_amount_paid >= i.amount_due - {{ risk_paid_tolerance() }}
    group by c.loan_id, c.installment_no
),

totals as (
    select
        loan_id,
        installment_no,
        sum(principal_paid) as principal_paid,
        sum(amount_paid) as amount_paid,
        min(paid_date) as first_paid_date
    from payments_daily
    group by loan_id, installment_no
)

select
    i.loan_id,
    cast(i.installment_no as integer) as installment_no,
    i.due_date,
    cast(i.principal_due as decimal(18, 2)) as principal_due,
    cast(i.amount_due as decimal(18, 2)) as amount_due,
    cast(coalesce(t.principal_paid, 0) as decimal(18, 2)) as principal_paid_to_date,
    cast(coalesce(t.amount_paid, 0) as decimal(18, 2)) as amount_paid_to_date,
    t.first_paid_date,
    case
        when i.amount_due <= {{ risk_paid_tolerance() }} then i.due_date
        else p.paid_off_date
    end as paid_off_date
from installments as i
left join paid_off as p
    on p.loan_id = i.loan_id and p.installment_no = i.installment_no
left join totals as t
    on t.loan_id = i.loan_id and t.installment_no = i.installment_no
