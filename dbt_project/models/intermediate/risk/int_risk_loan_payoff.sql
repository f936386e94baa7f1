-- Loan paid-off date, one row per loan disbursed on or before the as-of date.
-- A loan is paid off on the first day on which EITHER all its installments are paid off OR the
-- cumulative principal paid reaches the principal (tolerance 0.01 CNY; covers early payoff,
-- where the future installments' interest is never billed/paid).
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

loans as (
    select l.loan_id, l.principal, l.disbursed_date
    from {{ ref('stg_loans') }} as l
    cross join as_of as a
    where l.disbursed_date <= a.as_of_date
),

installments as (
    select
        loan_id,
        count(*) as installments,
        sum(case when paid_off_date is null then 1 else 0 end) as open_installments,
        max(paid_off_date) as last_paid_off_date
    from {{ ref('int_risk_installment_status') }}
    group by loan_id
),

principal_repaid as (
    select p.loan_id, min(p.paid_date) as principal_repaid_date
    from {{ ref('int_risk_loan_payments_daily') }} as p
    inner join loans as l on l.loan_id = p.loan_id
    where p.cum_principal_paid >= l.principal - {{ risk_paid_tolerance() }}
    group by p.loan_id
),

dates as (
    select
        l.loan_id,
        l.principal,
        l.disbursed_date,
        coalesce(i.installments, 0) as installments,
        case when i.installments > 0 and i.open_installments = 0 then i.last_paid_off_date end
            as installments_paid_off_date,
        r.principal_repaid_date
    from loans as l
    left join installments as i on i.loan_id = l.loan_id
    left join principal_repaid as r on r.loan_id = l.loan_id
)

select
    loan_id,
    cast(principal as decimal(18, 2)) as principal,
    disbursed_date,
    cast(installments as integer) as installments,
    installments_paid_off_date,
    principal_repaid_date,
    case
        when installments_paid_off_date is null then principal_repaid_date
        when principal_repaid_date is null then installments_paid_off_date
        when principal_repaid_date < installments_paid_off_date then principal_repaid_date
        else installments_paid_off_date
    end as paid_off_date
from dates
