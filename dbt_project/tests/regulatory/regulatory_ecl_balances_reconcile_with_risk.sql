{{ config(meta={"dagster": {"ref": {"name": "mart_ecl_monthly"}}}) }}
-- Reconciliation: per month-end, the stages' gross carrying amounts and loans add up to the risk
-- marts' outstanding principal and active loans (mart_portfolio_monthly); stage 3 holds at least
-- the NPL balance (DPD > 90 = M4+); each scenario of mart_ecl_stress covers the same balance; and
-- the probability-weighted allowance equals the weight-sum of the scenario allowances, up to the
-- rounding of each loan's allowance to cents (at most 0.01 per loan).
with ecl as (
    select
        month_end_date,
        sum(loans) as loans,
        sum(gross_carrying_amount) as gross_carrying_amount,
        sum(case when stage = 3 then gross_carrying_amount else 0 end) as stage_3_amount,
        sum(allowance) as allowance
    from {{ ref('mart_ecl_monthly') }}
    group by month_end_date
),

stress as (
    select
        month_end_date,
        min(gross_carrying_amount) as min_gross,
        max(gross_carrying_amount) as max_gross,
        sum(weight * cast(allowance as double)) as weighted_allowance
    from {{ ref('mart_ecl_stress') }}
    group by month_end_date
)

select
    p.month_end_date,
    p.outstanding_principal,
    e.gross_carrying_amount,
    p.m4plus_principal,
    e.stage_3_amount,
    e.allowance,
    s.weighted_allowance
from {{ ref('mart_portfolio_monthly') }} as p
left join ecl as e on e.month_end_date = p.month_end_date
left join stress as s on s.month_end_date = p.month_end_date
where (p.active_loans > 0 and (e.month_end_date is null or s.month_end_date is null))
   or coalesce(e.loans, 0) <> p.active_loans
   or abs(coalesce(e.gross_carrying_amount, 0) - p.outstanding_principal) > 0.005
   or coalesce(e.stage_3_amount, 0) < p.m4plus_principal - 0.005
   or abs(coalesce(s.min_gross, 0) - p.outstanding_principal) > 0.005
   or abs(coalesce(s.max_gross, 0) - p.outstanding_principal) > 0.005
   or abs(coalesce(s.weighted_allowance, 0) - coalesce(e.allowance, 0)) > 0.01 * p.active_loans + 0.005
