{{ config(meta={"dagster": {"ref": {"name": "mart_revenue_monthly"}}}) }}
-- Reconciliation: per reporting month, the interest, fees, penalties (and principal) collected in
-- mart_revenue_monthly equal the payments in stg_repayments whose local paid_date falls in that
-- month. Fails with one row per month and component that differs by more than half a cent.
with month_ends as (
    select month_start_date, month_end_date from {{ ref('int_risk_month_ends') }}
),

staging as (
    select
        m.month_end_date,
        sum(r.interest_paid) as interest,
        sum(r.fee_paid) as fees,
        sum(r.penalty_paid) as penalties,
        sum(r.principal_paid) as principal
    from {{ ref('stg_repayments') }} as r
    inner join month_ends as m
        on r.paid_date >= m.month_start_date
       and r.paid_date <= m.month_end_date
    group by m.month_end_date
),

mart as (
    select
        month_end_date,
        sum(interest_collected) as interest,
        sum(fees_collected) as fees,
        sum(penalties_collected) as penalties,
        sum(principal_collected) as principal
    from {{ ref('mart_revenue_monthly') }}
    group by month_end_date
),

compared as (
    select
        m.month_end_date,
        coalesce(s.interest, 0) as staging_interest, mt.interest as mart_interest,
        coalesce(s.fees, 0) as staging_fees, mt.fees as mart_fees,
        coalesce(s.penalties, 0) as staging_penalties, mt.penalties as mart_penalties,
        coalesce(s.principal, 0) as staging_principal, mt.principal as mart_principal
    from month_ends as m
    left join staging as s on s.month_end_date = m.month_end_date
    left join mart as mt on mt.month_end_date = m.month_end_date
)

select *
from compared
where mart_interest is null
   or abs(staging_interest - mart_interest) > 0.005
   or abs(staging_fees - mart_fees) > 0.005
   or abs(staging_penalties - mart_penalties) > 0.005
   or abs(staging_principal - mart_principal) > 0.005
