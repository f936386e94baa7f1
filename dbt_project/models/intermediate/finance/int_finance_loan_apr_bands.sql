-- Every loan disbursed in a reporting month with its contract APR and APR band (seed
-- finance_apr_bands: lower_bound < apr <= upper_bound, an empty bound = unbounded). A loan that
-- falls in no band (a gap in the seed) gets a null band and fails the not_null test; one that
-- falls in two (overlapping bands) fails the unique test on loan_id.
with month_ends as (
    select month_start_date, month_end_date from {{ ref('int_risk_month_ends') }}
),

loans as (
    select loan_id, product, acquisition_channel, disbursed_date, principal, apr
    from {{ ref('int_risk_loan_lifecycle') }}
)

select
    l.loan_id,
    cast(m.month_end_date as date) as month_end_date,
    cast(l.product as {{ dbt.type_string() }}) as product,
    cast(l.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(l.principal as decimal(18, 2)) as principal,
    cast(l.apr as decimal(8, 4)) as apr,
    cast(b.apr_band as {{ dbt.type_string() }}) as apr_band
from loans as l
inner join month_ends as m
    on l.disbursed_date >= m.month_start_date
   and l.disbursed_date <= m.month_end_date
left join {{ ref('finance_apr_bands') }} as b
    on (b.lower_bound is null or l.apr > b.lower_bound)
   and (b.upper_bound is null or l.apr <= b.upper_bound)
