{{ config(meta={"dagster": {"ref": {"name": "mart_apr_distribution_monthly"}}}) }}
-- The APR distribution covers every disbursed loan exactly once: per segment-month, loans over
-- the bands = disbursed_loans of mart_revenue_monthly and share_of_loans sums to 1; segment-months
-- with disbursements in mart_revenue_monthly are all in the distribution.
with distribution as (
    select
        month_end_date,
        product,
        acquisition_channel,
        sum(loans) as loans,
        sum(share_of_loans) as share_sum
    from {{ ref('mart_apr_distribution_monthly') }}
    group by month_end_date, product, acquisition_channel
),

revenue as (
    select month_end_date, product, acquisition_channel, disbursed_loans
    from {{ ref('mart_revenue_monthly') }}
    where disbursed_loans > 0
)

select
    coalesce(d.month_end_date, r.month_end_date) as month_end_date,
    coalesce(d.product, r.product) as product,
    coalesce(d.acquisition_channel, r.acquisition_channel) as acquisition_channel,
    d.loans,
    d.share_sum,
    r.disbursed_loans
from distribution as d
full outer join revenue as r
    on r.month_end_date = d.month_end_date
   and r.product = d.product
   and r.acquisition_channel = d.acquisition_channel
where d.loans is null
   or r.disbursed_loans is null
   or d.loans <> r.disbursed_loans
   or abs(d.share_sum - 1) > 1e-9
