-- Revenue, losses, funding cost and pricing per reporting month-end x product x acquisition
-- channel. Definitions: docs/finance_definitions.md (and the YAML next to this file).
-- Grid: every reporting month x every (product, channel) pair of the reference data, plus any
-- pair seen in the data (e.g. 'unknown'), so a segment with nothing outstanding shows zeros.
with month_ends as (
    select month_start_date, month_end_date, is_complete_month, days_in_period
    from {{ ref('int_risk_month_ends') }}
),

balances as (
    select * from {{ ref('int_finance_balances_monthly') }}
),

collections as (
    select * from {{ ref('int_finance_collections_monthly') }}
),

disbursements as (
    select
        month_end_date,
        product,
        acquisition_channel,
        count(*) as disbursed_loans,
        sum(principal) as disbursed_principal,
        sum(cast(apr as double)) as apr_sum,
        sum(principal * apr) as principal_x_apr,
        sum(case when apr > 0.24 then 1 else 0 end) as loans_apr_over_24,
        sum(case when apr > 0.36 then 1 else 0 end) as loans_apr_over_36
    from {{ ref('int_finance_loan_apr_bands') }}
    group by month_end_date, product, acquisition_channel
),

segments as (
    select p.product, c.channel as acquisition_channel
    from {{ ref('stg_ref_products') }} as p
    cross join {{ ref('stg_ref_channels') }} as c
    union
    select product, acquisition_channel from balances
    union
    select product, acquisition_channel from collections
),

grid as (
    select
        m.month_start_date,
        m.month_end_date,
        m.is_complete_month,
        m.days_in_period,
        s.product,
        s.acquisition_channel,
        f.annual_funding_rate,
        coalesce(b.active_loans, 0) as active_loans,
        coalesce(b.outstanding_principal, 0) as outstanding_principal,
        coalesce(b.principal_days, 0) as principal_days,
        coalesce(b.charge_off_amount, 0) as charge_off_amount,
        coalesce(b.recoveries, 0) as recoveries,
        coalesce(c.payments, 0) as payments,
        coalesce(c.principal_collected, 0) as principal_collected,
        coalesce(c.interest_collected, 0) as interest_collected,
        coalesce(c.fees_collected, 0) as fees_collected,
        coalesce(c.penalties_collected, 0) as penalties_collected,
        coalesce(d.disbursed_loans, 0) as disbursed_loans,
        coalesce(d.disbursed_principal, 0) as disbursed_principal,
        d.apr_sum,
        d.principal_x_apr,
        coalesce(d.loans_apr_over_24, 0) as loans_apr_over_24,
        coalesce(d.loans_apr_over_36, 0) as loans_apr_over_36
    from month_ends as m
    cross join segments as s
    left join {{ ref('int_finance_funding_rates') }} as f
        on f.month_end_date = m.month_end_date
    left join balances as b
        on b.month_end_date = m.month_end_date
       and b.product = s.product
       and b.acquisition_channel = s.acquisition_channel
    left join collections as c
        on c.month_end_date = m.month_end_date
       and c.product = s.product
       and c.acquisition_channel = s.acquisition_channel
    left join disbursements as d
        on d.month_end_date = m.month_end_date
       and d.product = s.product
       and d.acquisition_channel = s.acquisition_channel
),

amounts as (
    select
        *,
        interest_collected + fees_collected + penalties_collected as revenue_collected,
        charge_off_amount - recoveries as net_charge_off_amount,
        -- average outstanding x rate x days / 365 = principal-days x rate / 365 (actual/365)
        cast(round(cast(principal_days as double) * annual_funding_rate / 365.0, 2) as decimal(18, 2))
            as funding_cost
    from grid
)

select
    cast(month_end_date as date) as month_end_date,
    cast(month_start_date as date) as month_start_date,
    is_complete_month,
    cast(days_in_period as integer) as days_in_period,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(payments as bigint) as payments,
    cast(principal_collected as decimal(18, 2)) as principal_collected,
    cast(interest_collected as decimal(18, 2)) as interest_collected,
    cast(fees_collected as decimal(18, 2)) as fees_collected,
    cast(penalties_collected as decimal(18, 2)) as penalties_collected,
    cast(revenue_collected as decimal(18, 2)) as revenue_collected,
    cast(charge_off_amount as decimal(18, 2)) as charge_off_amount,
    cast(recoveries as decimal(18, 2)) as recoveries,
    cast(net_charge_off_amount as decimal(18, 2)) as net_charge_off_amount,
    cast(active_loans as bigint) as active_loans,
    cast(outstanding_principal as decimal(18, 2)) as outstanding_principal,
    cast(principal_days as decimal(24, 2)) as principal_days,
    -- half-up to the cent in exact integer arithmetic (whole cents as doubles below 2^53): a
    -- rounded double quotient could fall either side of a half cent on DuckDB and Spark
    cast(floor((2.0 * cast(principal_days * 100 as bigint) + days_in_period) / (2.0 * days_in_period))
         / 100.0 as decimal(18, 2))
        as avg_outstanding_principal,
    cast(annual_funding_rate as double) as annual_funding_rate,
    cast(funding_cost as decimal(18, 2)) as funding_cost,
    cast(revenue_collected - net_charge_off_amount - funding_cost as decimal(18, 2)) as net_revenue,
    cast(case when principal_days > 0
              then cast(revenue_collected as double) * 365.0 / cast(principal_days as double) end as double)
        as yield_annualised,
    cast(case when principal_days > 0
              then cast(net_charge_off_amount as double) * 365.0 / cast(principal_days as double) end as double)
        as loss_rate_annualised,
    cast(case when principal_days > 0
              then cast(revenue_collected - net_charge_off_amount - funding_cost as double) * 365.0
                   / cast(principal_days as double) end as double)
        as net_revenue_rate_annualised,
    cast(disbursed_loans as bigint) as disbursed_loans,
    cast(disbursed_principal as decimal(18, 2)) as disbursed_principal,
    cast(case when disbursed_loans > 0 then apr_sum / disbursed_loans end as double) as avg_contract_apr,
    cast(case when disbursed_principal > 0
              then cast(principal_x_apr as double) / cast(disbursed_principal as double) end as double)
        as principal_weighted_apr,
    cast(loans_apr_over_24 as bigint) as loans_apr_over_24,
    cast(case when disbursed_loans > 0
              then cast(loans_apr_over_24 as double) / disbursed_loans end as double)
        as share_loans_apr_over_24,
    cast(loans_apr_over_36 as bigint) as loans_apr_over_36,
    cast(case when disbursed_loans > 0
              then cast(loans_apr_over_36 as double) / disbursed_loans end as double)
        as share_loans_apr_over_36
from amounts
