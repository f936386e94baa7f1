-- Months that a dated seed does not cover, where its earliest row was applied backwards: one row
-- per seed with at least one such month. The run summary prints each row with the seed's file
-- (from dbt's manifest) so the team that owns the seed can add the missing rows.
select
    'finance_funding_rates' as seed_name,
    min(rate_effective_month) as earliest_effective_month,
    min(month_start_date) as backfilled_from_month,
    max(month_start_date) as backfilled_to_month,
    count(*) as backfilled_months
from {{ ref('int_finance_funding_rates') }}
where rate_applied_backwards
having count(*) > 0
