{{ config(meta={"dagster": {"ref": {"name": "mart_disclosure_monthly"}}}) }}
-- Reconciliation: per month-end and product (and in total), the loans disbursed in the month and
-- their plain mean contract APR equal the finance marts' (mart_revenue_monthly, per product x
-- channel: the mean over channels is weighted by the channel's disbursed loans).
with finance_product as (
    select
        month_end_date,
        product,
        sum(disbursed_loans) as disbursed_loans,
        sum(case when disbursed_loans > 0 then avg_contract_apr * disbursed_loans else 0 end) as apr_sum
    from {{ ref('mart_revenue_monthly') }}
    group by month_end_date, product
),

finance as (
    select month_end_date, product, disbursed_loans, apr_sum from finance_product
    where disbursed_loans > 0
    union all
    select month_end_date, 'all', sum(disbursed_loans), sum(apr_sum) from finance_product
    group by month_end_date
    having sum(disbursed_loans) > 0
),

disclosure as (
    select month_end_date, product, disbursed_loans, avg_contract_apr
    from {{ ref('mart_disclosure_monthly') }}
    where disbursed_loans > 0
)

select
    coalesce(d.month_end_date, f.month_end_date) as month_end_date,
    coalesce(d.product, f.product) as product,
    d.disbursed_loans as disclosure_loans,
    f.disbursed_loans as finance_loans,
    d.avg_contract_apr as disclosure_avg_apr,
    f.apr_sum / f.disbursed_loans as finance_avg_apr
from disclosure as d
full outer join finance as f
    on f.month_end_date = d.month_end_date
   and f.product = d.product
where d.month_end_date is null
   or f.month_end_date is null
   or d.disbursed_loans <> f.disbursed_loans
   or abs(d.avg_contract_apr - f.apr_sum / f.disbursed_loans) > 1e-9
