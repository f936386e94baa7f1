-- All-in APR of every disbursed loan: the annual rate at which the contractual cash flows (every
-- installment's principal + interest + fee due, int_risk_installment_status) are worth the
-- principal paid out. Installment k is due k months after disbursement (terms are in months), so
-- the rate is a monthly internal rate of return r solving
--     sum_k amount_due_k / (1 + r)^k = principal,
-- annualised like the contract APR: all-in APR = 12 x r, rounded to 6 decimals. Without fees it equals the contract APR
-- (interest = balance x APR / 12) up to the rounding of the schedule to cents.
-- r by Newton's method from the contract rate APR / 12: the present value is convex and
-- decreasing in r, so from the contract rate (at or below the root, fees only add cost) every step
-- stays at or below the root and converges; npv_error (|present value at the result minus the
-- principal|, CNY) is tested. Loans without a schedule (installments quarantined) are left out.
{{ config(**incremental_by_key('loan_id')) }}
{%- set newton_steps = 6 %}

with loans as (
    select loan_id, disbursed_date, disbursed_month, product, principal, apr
    from {{ ref('int_risk_loan_lifecycle') }} {{ key_window_where('loan_id') }}
),

installments as (
    select loan_id, installment_no, amount_due
    from {{ ref('int_risk_installment_status') }} {{ key_window_where('loan_id') }}
),

schedules as (
    select loan_id, count(*) as installments, sum(amount_due) as amount_due
    from installments
    group by loan_id
),

step_0 as (
    select l.loan_id, l.principal, cast(l.apr as double) / 12 as monthly_rate
    from loans as l
    inner join schedules as s on s.loan_id = l.loan_id
),
{%- for k in range(1, newton_steps + 1) %}

-- Newton step {{ k }}: r - f(r) / f'(r), f(r) = PV(r) - principal, f'(r) = -sum k x amount / (1 + r)^(k + 1)
step_{{ k }} as (
    select
        r.loan_id,
        r.principal,
        r.monthly_rate
        - (sum(i.amount_due * power(1 + r.monthly_rate, -i.installment_no)) - r.principal)
          / (-sum(i.installment_no * i.amount_due * power(1 + r.monthly_rate, -i.installment_no - 1)))
            as monthly_rate
    from step_{{ k - 1 }} as r
    inner join installments as i
        on i.loan_id = r.loan_id
    group by r.loan_id, r.principal, r.monthly_rate
),
{%- endfor %}

residual as (
    select
        r.loan_id,
        r.monthly_rate,
        sum(i.amount_due * power(1 + r.monthly_rate, -i.installment_no)) - r.principal as npv_residual
    from step_{{ newton_steps }} as r
    inner join installments as i
        on i.loan_id = r.loan_id
    group by r.loan_id, r.principal, r.monthly_rate
)

select
    l.loan_id,
    cast(l.disbursed_date as date) as disbursed_date,
    cast(l.disbursed_month as date) as disbursed_month,
    cast(l.product as {{ dbt.type_string() }}) as product,
    cast(l.principal as decimal(18, 2)) as principal,
    cast(l.apr as double) as contract_apr,
    cast(s.installments as integer) as installments,
    cast(s.amount_due as decimal(18, 2)) as amount_due,
    cast(round(12 * r.monthly_rate, 6) as double) as all_in_apr,
    -- to 1e-6 CNY: the sum's last bits depend on the order of summation, which varies between
    -- runs; abs, so that a rounded -0.0 cannot differ from 0.0 either
    cast(abs(round(r.npv_residual, 6)) as double) as npv_error
from loans as l
inner join schedules as s on s.loan_id = l.loan_id
inner join residual as r on r.loan_id = l.loan_id
