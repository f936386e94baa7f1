-- Marketing touches: newest export per touch_id.
with deduped as (
    {{ dedupe_latest(source('raw', 'touchpoints'), ['touch_id']) }}
)

select
    touch_id,
    visitor_id,
    user_id,
    channel,
    campaign_id,
    touch_type,
    touched_at,
    {{ local_date('touched_at') }} as touched_date
from deduped
