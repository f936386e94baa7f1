-- Loss allowance (expected credit loss) per reporting month-end x product x acquisition channel x
-- stage, from int_ecl_loan_month_end. Amounts add up over products, channels and stages (the
-- month's gross carrying amount is the risk marts' outstanding principal, tested); ratios must be
-- recomputed from the amounts when rolling up. Definitions: docs/regulatory_definitions.md.
with loan_month as (
    select
        month_end_date,
        is_complete_month,
        product,
        acquisition_channel,
        stage,
        ead,
        pd_applied,
        -- per-loan amounts rounded to cents, so the sums are exact and re-runs identical
        {{ round_cents('ecl') }} as allowance,
        {{ round_cents('ecl_unadjusted') }} as allowance_unadjusted
    from {{ ref('int_ecl_loan_month_end') }}
),

aggregated as (
    select
        month_end_date,
        max(case when is_complete_month then 1 else 0 end) as is_complete_month,
        product,
        acquisition_channel,
        stage,
        count(*) as loans,
        sum(ead) as gross_carrying_amount,
        sum(allowance) as allowance,
        sum(allowance_unadjusted) as allowance_unadjusted,
        sum(pd_applied * ead) as pd_x_ead
    from loan_month
    group by month_end_date, product, acquisition_channel, stage
)

select
    cast(month_end_date as date) as month_end_date,
    cast(is_complete_month = 1 as boolean) as is_complete_month,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(stage as integer) as stage,
    cast(case when stage = 1 then '12_month' else 'lifetime' end as {{ dbt.type_string() }}) as ecl_horizon,
    cast(loans as bigint) as loans,
    cast(gross_carrying_amount as decimal(18, 2)) as gross_carrying_amount,
    cast(allowance as decimal(18, 2)) as allowance,
    cast(allowance_unadjusted as decimal(18, 2)) as allowance_unadjusted,
    cast(gross_carrying_amount - allowance as decimal(18, 2)) as net_carrying_amount,
    cast(case when gross_carrying_amount > 0
              then cast(allowance as double) / gross_carrying_amount end as double) as coverage_ratio,
    cast(case when gross_carrying_amount > 0
              then cast(pd_x_ead as double) / gross_carrying_amount end as double) as pd_weighted_by_ead
from aggregated
