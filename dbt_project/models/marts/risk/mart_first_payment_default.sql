-- First-payment default per disbursement month x product x acquisition channel.
-- FPDk = share of loans whose FIRST installment (earliest due date) reached DPD > k, among loans
-- whose first due date lies at least k days before the as-of date (first_due_date + k <= as-of):
-- macros risk_fpd / risk_fpd_eligible. FPD30: k = var risk_delinquent_dpd.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

loans as (
    select
        l.*,
        a.as_of_date
    from {{ ref('int_risk_loan_lifecycle') }} as l
    cross join as_of as a
),

flags as (
    select
        disbursed_month,
        product,
        acquisition_channel,
        principal,
        {{ risk_fpd_eligible('first_due_date', 'as_of_date', 7) }} as fpd7_eligible,
        {{ risk_fpd('first_installment_max_dpd', 7) }} as fpd7,
        {{ risk_fpd_eligible('first_due_date', 'as_of_date', var('risk_delinquent_dpd')) }} as fpd30_eligible,
        {{ risk_fpd('first_installment_max_dpd', var('risk_delinquent_dpd')) }} as fpd30
    from loans
),

aggregated as (
    select
        disbursed_month,
        product,
        acquisition_channel,
        count(*) as loans,
        sum(principal) as principal,
        sum(fpd7_eligible) as fpd7_eligible_loans,
        sum(fpd7_eligible * fpd7) as fpd7_loans,
        sum(fpd30_eligible) as fpd30_eligible_loans,
        sum(fpd30_eligible * fpd30) as fpd30_loans
    from flags
    group by disbursed_month, product, acquisition_channel
)

select
    cast(disbursed_month as date) as disbursed_month,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(loans as bigint) as loans,
    cast(principal as decimal(18, 2)) as principal,
    cast(fpd7_eligible_loans as bigint) as fpd7_eligible_loans,
    cast(fpd7_loans as bigint) as fpd7_loans,
    cast(case when fpd7_eligible_loans > 0 then fpd7_loans * 1.0 / fpd7_eligible_loans end as double) as fpd7_rate,
    cast(fpd30_eligible_loans as bigint) as fpd30_eligible_loans,
    cast(fpd30_loans as bigint) as fpd30_loans,
    cast(case when fpd30_eligible_loans > 0 then fpd30_loans * 1.0 / fpd30_eligible_loans end as double) as fpd30_rate
from aggregated
