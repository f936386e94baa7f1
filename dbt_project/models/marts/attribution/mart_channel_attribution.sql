-- Conversions and value credited to each channel per conversion month, conversion type and model:
-- the sums of mart_attribution_credits. Compare models per channel in one query.
select
    converted_month as month,
    conversion_type,
    model,
    channel,
    {{ attribution_sum('credit') }} as conversions,
    {{ attribution_sum('value') }} as value
from {{ ref('mart_attribution_credits') }}
group by converted_month, conversion_type, model, channel
