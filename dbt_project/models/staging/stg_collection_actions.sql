-- Collection contacts: newest export per action_id. action_local_time is the local time of day
-- (Asia/Shanghai), e.g. for contact-hour compliance checks.
with deduped as (
    {{ dedupe_latest(source('raw', 'collection_actions'), ['action_id']) }}
)

select
    action_id,
    loan_id,
    action_at,
    {{ local_date('action_at') }} as action_date,
    {{ local_time('action_at') }} as action_local_time,
    action_type,
    contact_target,
    outcome,
    agent_id
from deduped
