{{ config(meta={"dagster": {"ref": {"name": "mart_portfolio_monthly"}}}) }}
-- Reconciliation: principal paid in the marts = principal paid in staging (payments through the
-- as-of date on loans disbursed by the as-of date), for the loan month-ends (last month-end),
-- the daily intervals (last interval) and the portfolio (sum of monthly principal paid).
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

staging as (
    select sum(r.principal_paid) as principal_paid
    from {{ ref('stg_repayments') }} as r
    inner join {{ ref('stg_loans') }} as l on l.loan_id = r.loan_id
    cross join as_of as a
    where r.paid_date <= a.as_of_date
      and l.disbursed_date <= a.as_of_date
),

month_end as (
    select sum(principal_paid_to_date) as principal_paid
    from {{ ref('fct_loan_month_end') }}
    where month_end_date = (select max(month_end_date) from {{ ref('int_risk_month_ends') }})
),

intervals as (
    select sum(principal_paid_to_date) as principal_paid
    from {{ ref('fct_loan_dpd_intervals') }}
    where valid_to = {{ risk_open_end() }}
),

portfolio as (
    select sum(principal_paid) as principal_paid from {{ ref('mart_portfolio_monthly') }}
),

compared as (
    select 'fct_loan_month_end' as model, s.principal_paid as staging, m.principal_paid as mart
    from staging as s cross join month_end as m
    union all
    select 'fct_loan_dpd_intervals', s.principal_paid, i.principal_paid
    from staging as s cross join intervals as i
    union all
    select 'mart_portfolio_monthly', s.principal_paid, p.principal_paid
    from staging as s cross join portfolio as p
)

select *
from compared
where abs(coalesce(staging, 0) - coalesce(mart, 0)) > 0.005
