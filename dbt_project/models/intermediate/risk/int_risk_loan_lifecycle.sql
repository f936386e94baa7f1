-- Loan lifecycle at the as-of date, one row per loan disbursed on or before the as-of date:
-- segment attributes, first installment, paid-off date, charge-off date and amount, recoveries.
-- Charge-off: first day DPD reaches 181; charge_off_amount = principal - principal paid through
-- the end of the charge-off day; recoveries = principal paid AFTER the charge-off day.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

payoff as (
    select loan_id, principal, disbursed_date, installments, paid_off_date
    from {{ ref('int_risk_loan_payoff') }}
),

loans as (
    select loan_id, application_id, user_id, apr, term_months
    from {{ ref('stg_loans') }}
),

applications as (
    select application_id, product from {{ ref('stg_applications') }}
),

acquisition as (
    select user_id, acquisition_channel from {{ ref('int_user_acquisition') }}
),

users as (
    select user_id, city_tier from {{ ref('stg_users') }}
),

intervals as (
    select
        loan_id,
        min(charge_off_date) as charge_off_date,
        max(max_dpd_to_as_of) as max_dpd_to_as_of
    from {{ ref('int_risk_overdue_intervals') }}
    group by loan_id
),

first_installment as (
    select loan_id, due_date, paid_off_date
    from (
        select
            loan_id,
            due_date,
            paid_off_date,
            row_number() over (partition by loan_id order by due_date, installment_no) as rn
        from {{ ref('int_risk_installment_status') }}
    ) as ranked
    where rn = 1
),

payments as (
    select
        p.loan_id,
        sum(p.principal_paid) as principal_paid_to_date,
        sum(case when i.charge_off_date is null or p.paid_date <= i.charge_off_date
                 then p.principal_paid else 0 end) as principal_paid_through_charge_off,
        sum(case when p.paid_date > i.charge_off_date then p.principal_paid else 0 end)
            as recoveries_to_date,
        sum(case when p.paid_date > i.charge_off_date
                 then p.principal_paid + p.interest_paid + p.fee_paid + p.penalty_paid else 0 end)
            as recovered_cash_to_date
    from {{ ref('int_risk_loan_payments_daily') }} as p
    left join intervals as i on i.loan_id = p.loan_id
    group by p.loan_id
),

joined as (
    select
        po.loan_id,
        l.application_id,
        l.user_id,
        coalesce(ap.product, 'unknown') as product,
        coalesce(aq.acquisition_channel, 'unknown') as acquisition_channel,
        u.city_tier,
        po.disbursed_date,
        {{ risk_month_start('po.disbursed_date') }} as disbursed_month,
        po.principal,
        l.apr,
        l.term_months,
        po.installments,
        fi.due_date as first_due_date,
        -- an early payoff also settles the first installment
        case
            when fi.paid_off_date is null then po.paid_off_date
            when po.paid_off_date is not null and po.paid_off_date < fi.paid_off_date then po.paid_off_date
            else fi.paid_off_date
        end as first_installment_paid_off_date,
        po.paid_off_date,
        i.charge_off_date,
        coalesce(i.max_dpd_to_as_of, 0) as max_dpd_to_as_of,
        coalesce(pm.principal_paid_to_date, 0) as principal_paid_to_date,
        coalesce(pm.principal_paid_through_charge_off, 0) as principal_paid_through_charge_off,
        coalesce(pm.recoveries_to_date, 0) as recoveries_to_date,
        coalesce(pm.recovered_cash_to_date, 0) as recovered_cash_to_date,
        a.as_of_date
    from payoff as po
    cross join as_of as a
    left join loans as l on l.loan_id = po.loan_id
    left join applications as ap on ap.application_id = l.application_id
    left join acquisition as aq on aq.user_id = l.user_id
    left join users as u on u.user_id = l.user_id
    left join intervals as i on i.loan_id = po.loan_id
    left join first_installment as fi on fi.loan_id = po.loan_id
    left join payments as pm on pm.loan_id = po.loan_id
)

select
    loan_id,
    application_id,
    user_id,
    product,
    acquisition_channel,
    cast(city_tier as integer) as city_tier,
    disbursed_date,
    disbursed_month,
    cast(principal as decimal(18, 2)) as principal,
    cast(apr as decimal(8, 4)) as apr,
    cast(term_months as integer) as term_months,
    cast(installments as integer) as installments,
    first_due_date,
    first_installment_paid_off_date,
    -- highest DPD the first installment reached by the as-of date (0 if not yet due or paid in time)
    cast(
        case
            when first_due_date is null or first_due_date >= as_of_date then 0
            when first_installment_paid_off_date is null
                then {{ risk_days_between('first_due_date', 'as_of_date') }}
            when first_installment_paid_off_date <= first_due_date then 0
            else {{ risk_days_between('first_due_date', risk_add_days('first_installment_paid_off_date', -1)) }}
        end as integer
    ) as first_installment_max_dpd,
    paid_off_date,
    charge_off_date,
    cast(
        case when charge_off_date is not null then
            case when principal - principal_paid_through_charge_off > 0
                 then principal - principal_paid_through_charge_off else 0 end
        else 0 end as decimal(18, 2)
    ) as charge_off_amount,
    cast(recoveries_to_date as decimal(18, 2)) as recoveries_to_date,
    cast(recovered_cash_to_date as decimal(18, 2)) as recovered_cash_to_date,
    cast(principal_paid_to_date as decimal(18, 2)) as principal_paid_to_date,
    cast(max_dpd_to_as_of as integer) as max_dpd_to_as_of,
    cast(
        case
            when charge_off_date is not null then 'charged_off'
            when paid_off_date is not null then 'paid_off'
            else 'active'
        end as {{ dbt.type_string() }}
    ) as loan_status_as_of
from joined
