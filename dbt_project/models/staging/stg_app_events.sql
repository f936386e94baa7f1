-- App activity: newest export per event_id.
with deduped as (
    {{ dedupe_latest(source('raw', 'app_events'), ['event_id']) }}
)

select
    event_id,
    user_id,
    event_type,
    occurred_at,
    {{ local_date('occurred_at') }} as occurred_date
from deduped
