{{ config(meta={"dagster": {"ref": {"name": "mart_revenue_monthly"}}}) }}
-- Reconciliation: per reporting month, charge-offs, recoveries, month-end outstanding principal
-- and active loans of mart_revenue_monthly equal those of the risk mart mart_portfolio_monthly
-- (one charge-off definition), and the average outstanding lies between 0 and the largest
-- possible balance (a sanity bound: principal of every loan disbursed by the month-end).
with risk as (
    select month_end_date, charge_off_amount, recoveries, outstanding_principal, active_loans
    from {{ ref('mart_portfolio_monthly') }}
),

finance as (
    select
        month_end_date,
        sum(charge_off_amount) as charge_off_amount,
        sum(recoveries) as recoveries,
        sum(outstanding_principal) as outstanding_principal,
        sum(active_loans) as active_loans
    from {{ ref('mart_revenue_monthly') }}
    group by month_end_date
)

select
    r.month_end_date,
    r.charge_off_amount as risk_charge_off_amount, f.charge_off_amount as finance_charge_off_amount,
    r.recoveries as risk_recoveries, f.recoveries as finance_recoveries,
    r.outstanding_principal as risk_outstanding, f.outstanding_principal as finance_outstanding,
    r.active_loans as risk_active_loans, f.active_loans as finance_active_loans
from risk as r
full outer join finance as f on f.month_end_date = r.month_end_date
where r.month_end_date is null
   or f.month_end_date is null
   or abs(r.charge_off_amount - f.charge_off_amount) > 0.005
   or abs(r.recoveries - f.recoveries) > 0.005
   or abs(r.outstanding_principal - f.outstanding_principal) > 0.005
   or r.active_loans <> f.active_loans
