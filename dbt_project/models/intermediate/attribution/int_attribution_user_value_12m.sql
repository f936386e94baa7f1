-- The 12-month value of each borrower for mart_channel_performance_monthly (attributed 12-month
-- value, LTV:CAC, payback). Its one definition is the lifecycle marts' mart_user_value.value_12m
-- (null while the 12 months after the first disbursement are not yet observed).
select
    user_id,
    cast(value_12m as double) as value_12m
from {{ ref('mart_user_value') }}
