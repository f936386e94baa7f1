-- Conversions and value credited to each channel per conversion month, conversion type and model:
-- the sums of mart_attribution_credits. Compare models per channel in one query.
select
    converted_month as month,
    conversion_type,
    model,
    channel,
    cast(sum(credit) as double) as conversions,
    cast(sum(value) as double) as value
from {{ ref('mart_attribution_credits') }}
group by converted_month, conversion_type, model, channel
