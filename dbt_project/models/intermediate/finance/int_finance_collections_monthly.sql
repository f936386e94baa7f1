-- Cash collected per reporting month (local payment date) x product x acquisition channel: every
-- payment in staging dated within a reporting month (through the as-of date), split into
-- principal, interest, fees and late penalties as the lender's export splits it. A payment whose
-- loan is missing from the loans (e.g. quarantined) counts under product and channel 'unknown',
-- so the totals reconcile with stg_repayments (test finance_collections_reconcile_with_staging).
with month_ends as (
    select month_start_date, month_end_date from {{ ref('int_risk_month_ends') }}
),

loans as (
    select loan_id, product, acquisition_channel from {{ ref('int_risk_loan_lifecycle') }}
),

payments as (
    select
        m.month_end_date,
        coalesce(l.product, 'unknown') as product,
        coalesce(l.acquisition_channel, 'unknown') as acquisition_channel,
        p.payments,
        p.principal_paid,
        p.interest_paid,
        p.fee_paid,
        p.penalty_paid
    from {{ ref('int_risk_loan_payments_daily') }} as p
    inner join month_ends as m
        on p.paid_date >= m.month_start_date
       and p.paid_date <= m.month_end_date
    left join loans as l on l.loan_id = p.loan_id
)

select
    cast(month_end_date as date) as month_end_date,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(sum(payments) as bigint) as payments,
    cast(sum(principal_paid) as decimal(18, 2)) as principal_collected,
    cast(sum(interest_paid) as decimal(18, 2)) as interest_collected,
    cast(sum(fee_paid) as decimal(18, 2)) as fees_collected,
    cast(sum(penalty_paid) as decimal(18, 2)) as penalties_collected
from payments
group by month_end_date, product, acquisition_channel
