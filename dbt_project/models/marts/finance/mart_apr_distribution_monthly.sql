-- Contract APR distribution of the loans disbursed per reporting month x product x acquisition
-- channel: one row per APR band of the seed finance_apr_bands for every segment-month with at
-- least one loan disbursed (bands without loans show 0). share_of_loans sums to 1 per segment-month.
with loans as (
    select * from {{ ref('int_finance_loan_apr_bands') }}
),

segment_months as (
    select
        month_end_date,
        product,
        acquisition_channel,
        count(*) as disbursed_loans,
        sum(principal) as disbursed_principal
    from loans
    group by month_end_date, product, acquisition_channel
),

per_band as (
    select
        month_end_date,
        product,
        acquisition_channel,
        apr_band,
        count(*) as loans,
        sum(principal) as principal
    from loans
    group by month_end_date, product, acquisition_channel, apr_band
)

select
    cast(s.month_end_date as date) as month_end_date,
    cast(s.product as {{ dbt.type_string() }}) as product,
    cast(s.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(b.apr_band as {{ dbt.type_string() }}) as apr_band,
    cast(b.lower_bound as double) as lower_bound,
    cast(b.upper_bound as double) as upper_bound,
    cast(b.sort_order as integer) as sort_order,
    cast(coalesce(p.loans, 0) as bigint) as loans,
    cast(coalesce(p.principal, 0) as decimal(18, 2)) as principal,
    cast(cast(coalesce(p.loans, 0) as double) / s.disbursed_loans as double) as share_of_loans,
    cast(case when s.disbursed_principal > 0
              then cast(coalesce(p.principal, 0) as double) / cast(s.disbursed_principal as double) end as double)
        as share_of_principal
from segment_months as s
cross join {{ ref('finance_apr_bands') }} as b
left join per_band as p
    on p.month_end_date = s.month_end_date
   and p.product = s.product
   and p.acquisition_channel = s.acquisition_channel
   and p.apr_band = b.apr_band
