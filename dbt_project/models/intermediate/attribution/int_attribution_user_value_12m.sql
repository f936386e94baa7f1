-- SEAM: the 12-month value of each borrower, used by mart_channel_performance_monthly for
-- attributed 12-month value, LTV:CAC and payback. Its one definition belongs to the lifecycle
-- marts (mart_user_value.value_12m, built on another branch). Until they are merged this model
-- returns every borrower with value_12m null; after the merge replace the select below by
--   select user_id, value_12m from {{ "{{ ref('mart_user_value') }}" }}
-- (same columns; nothing else changes).
select
    user_id,
    cast(null as double) as value_12m
from {{ ref('int_attribution_conversions') }}
where conversion_type = 'first_loan'
