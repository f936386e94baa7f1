-- Vintage: disbursement-month cohort x months on book (MOB 0 = the disbursement month), from the
-- month of disbursement to the as-of month. Every loan of the cohort counts at every MOB, so the
-- denominators (loans, principal) are constant along a cohort.
with loan_month as (
    select * from {{ ref('fct_loan_month_end') }}
),

aggregated as (
    select
        disbursed_month,
        months_on_book,
        max(month_end_date) as month_end_date,
        min(case when is_complete_month then 1 else 0 end) as is_complete_month,
        count(*) as loans,
        sum(principal) as principal,
        sum(case when is_active then 1 else 0 end) as active_loans,
        sum(outstanding_principal) as outstanding_principal,
        sum(case when max_dpd_to_date > {{ var('risk_delinquent_dpd') }} then 1 else 0 end) as ever_dpd30_loans,
        sum(case when max_dpd_to_date > {{ var('risk_delinquent_dpd') }} then principal else 0 end) as ever_dpd30_principal,
        sum(case when max_dpd_to_date > 90 then 1 else 0 end) as ever_dpd90_loans,
        sum(case when max_dpd_to_date > 90 then principal else 0 end) as ever_dpd90_principal,
        sum(case when is_charged_off then 1 else 0 end) as charged_off_loans,
        sum(charge_off_amount) as charge_off_amount,
        sum(recoveries_to_date) as recoveries,
        sum(principal_paid_to_date) as principal_paid
    from loan_month
    group by disbursed_month, months_on_book
)

select
    cast(disbursed_month as date) as cohort_month,
    cast(months_on_book as integer) as months_on_book,
    cast(month_end_date as date) as month_end_date,
    cast(is_complete_month = 1 as boolean) as is_complete_month,
    cast(loans as bigint) as loans,
    cast(principal as decimal(18, 2)) as principal,
    cast(active_loans as bigint) as active_loans,
    cast(outstanding_principal as decimal(18, 2)) as outstanding_principal,
    cast(ever_dpd30_loans as bigint) as ever_dpd30_loans,
    cast(cast(ever_dpd30_principal as double) / principal as double) as ever_dpd30_rate,
    cast(ever_dpd30_loans * 1.0 / loans as double) as ever_dpd30_count_rate,
    cast(ever_dpd90_loans as bigint) as ever_dpd90_loans,
    cast(cast(ever_dpd90_principal as double) / principal as double) as ever_dpd90_rate,
    cast(ever_dpd90_loans * 1.0 / loans as double) as ever_dpd90_count_rate,
    cast(charged_off_loans as bigint) as charged_off_loans,
    cast(charge_off_amount as decimal(18, 2)) as cum_charge_off_amount,
    cast(cast(charge_off_amount as double) / principal as double) as cum_charge_off_rate,
    cast(recoveries as decimal(18, 2)) as cum_recoveries,
    cast(charge_off_amount - recoveries as decimal(18, 2)) as cum_net_loss_amount,
    cast(cast(charge_off_amount - recoveries as double) / principal as double) as cum_net_loss_rate,
    cast(principal_paid as decimal(18, 2)) as cum_principal_paid
from aggregated
