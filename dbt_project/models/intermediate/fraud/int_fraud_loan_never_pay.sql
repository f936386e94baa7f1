-- Never-pay marker of every disbursed loan (definitions: docs/fraud_definitions.md): a loan with
-- no payment at all by its first due date + var('fraud_never_pay_grace_days') (30) days.
-- Observable only once that date is on or before the as-of date (int_risk_as_of_date: the data
-- is complete through it); before that is_never_pay is null, never false.
{%- set grace = var('fraud_never_pay_grace_days', 30) %}

with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

loans as (
    select loan_id, user_id, disbursed_at, disbursed_date, principal
    from {{ ref('stg_loans') }}
),

first_due as (
    select loan_id, min(due_date) as first_due_date
    from {{ ref('stg_installments') }}
    group by loan_id
),

windowed as (
    select
        l.loan_id,
        l.user_id,
        l.disbursed_at,
        l.disbursed_date,
        l.principal,
        f.first_due_date,
        {{ risk_add_days('f.first_due_date', grace) }} as never_pay_window_end,
        a.as_of_date
    from loans as l
    left join first_due as f
        on f.loan_id = l.loan_id
    cross join as_of as a
),

paid_in_window as (
    select w.loan_id, count(*) as payments
    from windowed as w
    inner join {{ ref('stg_repayments') }} as r
        on r.loan_id = w.loan_id
       and r.paid_date <= w.never_pay_window_end
       and r.amount_paid > 0
    group by w.loan_id
)

select
    w.loan_id,
    w.user_id,
    acq.acquisition_channel,
    acq.acquisition_campaign_id,
    w.disbursed_at,
    w.disbursed_date,
    w.principal,
    w.first_due_date,
    w.never_pay_window_end,
    case when w.never_pay_window_end <= w.as_of_date then true else false end as is_never_pay_observable,
    case
        when w.never_pay_window_end is null or w.never_pay_window_end > w.as_of_date then null
        when p.payments is null then true
        else false
    end as is_never_pay
from windowed as w
left join paid_in_window as p
    on p.loan_id = w.loan_id
left join {{ ref('int_user_acquisition') }} as acq
    on acq.user_id = w.user_id
