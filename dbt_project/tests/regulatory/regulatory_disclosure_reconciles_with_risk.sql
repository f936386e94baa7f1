{{ config(meta={"dagster": {"ref": {"name": "mart_disclosure_monthly"}}}) }}
-- Reconciliation: per month-end, the disclosure's stocks and flows equal the risk marts' (one
-- definition each): the total row against mart_portfolio_monthly, each product row against
-- mart_portfolio_monthly_segmented summed over channels and city tiers. Outstanding loans and
-- principal, overdue (every bucket but M0), overdue > 90 (M4+: the NPL balance; also the NPL ratio
-- and count rate), disbursed loans and principal; cumulative loans and principal = the running sums
-- of the loans and principal disbursed. Active borrowers of the total row = mart_growth_monthly's
-- (lifecycle: distinct users with an outstanding loan at the month-end).
with risk_total as (
    select
        month_end_date,
        'all' as product,
        active_loans,
        outstanding_principal,
        active_loans - m0_loans as overdue_loans,
        outstanding_principal - m0_principal as overdue_principal,
        m4plus_loans as overdue_90_loans,
        m4plus_principal as overdue_90_principal,
        disbursed_loans,
        disbursed_principal,
        sum(disbursed_loans) over (order by month_end_date rows between unbounded preceding and current row)
            as cumulative_loans,
        sum(disbursed_principal) over (order by month_end_date rows between unbounded preceding and current row)
            as cumulative_principal,
        npl_ratio,
        npl_count_rate
    from {{ ref('mart_portfolio_monthly') }}
),

risk_product_month as (
    select
        month_end_date,
        product,
        sum(active_loans) as active_loans,
        sum(outstanding_principal) as outstanding_principal,
        sum(active_loans - m0_loans) as overdue_loans,
        sum(outstanding_principal - m0_principal) as overdue_principal,
        sum(m4plus_loans) as overdue_90_loans,
        sum(m4plus_principal) as overdue_90_principal,
        sum(disbursed_loans) as disbursed_loans,
        sum(disbursed_principal) as disbursed_principal
    from {{ ref('mart_portfolio_monthly_segmented') }}
    group by month_end_date, product
),

risk_product as (
    select
        *,
        sum(disbursed_loans) over (
            partition by product order by month_end_date rows between unbounded preceding and current row
        ) as cumulative_loans,
        sum(disbursed_principal) over (
            partition by product order by month_end_date rows between unbounded preceding and current row
        ) as cumulative_principal,
        cast(null as double) as npl_ratio,
        cast(null as double) as npl_count_rate
    from risk_product_month
),

risk as (
    select * from risk_total
    union all
    select
        month_end_date, product, active_loans, outstanding_principal, overdue_loans, overdue_principal,
        overdue_90_loans, overdue_90_principal, disbursed_loans, disbursed_principal,
        cumulative_loans, cumulative_principal, npl_ratio, npl_count_rate
    from risk_product
),

growth as (
    select month_start_date, active_borrowers from {{ ref('mart_growth_monthly') }}
)

select
    r.month_end_date,
    coalesce(r.product, d.product) as product,
    r.outstanding_principal as risk_outstanding,
    d.principal_outstanding as disclosure_outstanding,
    r.overdue_90_principal as risk_npl_principal,
    d.overdue_90_principal as disclosure_overdue_90_principal
from risk as r
full outer join {{ ref('mart_disclosure_monthly') }} as d
    on d.month_end_date = r.month_end_date
   and d.product = r.product
left join growth as g
    on d.is_total
   and g.month_start_date = {{ risk_month_start('d.month_end_date') }}
where r.month_end_date is null
   or d.month_end_date is null
   or d.loans_outstanding <> r.active_loans
   or abs(d.principal_outstanding - r.outstanding_principal) > 0.005
   or d.overdue_loans <> r.overdue_loans
   or abs(d.overdue_principal - r.overdue_principal) > 0.005
   or d.overdue_90_loans <> r.overdue_90_loans
   or abs(d.overdue_90_principal - r.overdue_90_principal) > 0.005
   or d.disbursed_loans <> r.disbursed_loans
   or abs(d.disbursed_principal - r.disbursed_principal) > 0.005
   or d.cumulative_loans <> r.cumulative_loans
   or abs(d.cumulative_principal - r.cumulative_principal) > 0.005
   or (d.is_total and coalesce(g.active_borrowers, -1) <> d.active_borrowers)
   or abs(coalesce(d.overdue_90_amount_rate, 0) - coalesce(r.npl_ratio, d.overdue_90_amount_rate, 0)) > 1e-9
   or abs(coalesce(d.overdue_90_count_rate, 0) - coalesce(r.npl_count_rate, d.overdue_90_count_rate, 0)) > 1e-9
