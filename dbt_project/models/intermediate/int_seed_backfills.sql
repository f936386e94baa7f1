-- Months that a dated seed does not cover, where its earliest row was applied backwards: one row
-- per seed with at least one such month. The run summary prints each row with the seed's file
-- (from dbt's manifest) so the team that owns the seed can add the missing rows.
with backfilled as (
    select
        'finance_funding_rates' as seed_name,
        rate_effective_month as effective_month,
        month_start_date
    from {{ ref('int_finance_funding_rates') }}
    where rate_applied_backwards

    union all

    select distinct
        'ecl_macro_scenarios' as seed_name,
        scenario_effective_month as effective_month,
        month_start_date
    from {{ ref('int_ecl_scenarios_monthly') }}
    where month_start_date < scenario_effective_month
)

select
    seed_name,
    min(effective_month) as earliest_effective_month,
    min(month_start_date) as backfilled_from_month,
    max(month_start_date) as backfilled_to_month,
    count(*) as backfilled_months
from backfilled
group by seed_name
