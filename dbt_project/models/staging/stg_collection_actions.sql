-- Collection contacts: newest export per action_id. action_local_time is the local time of day
-- (Asia/Shanghai), e.g. for contact-hour compliance checks.
-- Incremental by action_date (docs/incremental.md).
{{ config(**incremental_by_window('action_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'collection_actions'), ['action_id'],
                                     local_date('action_at'), window_from), ['action_id']) }}
),

final as (
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
)

select * from final
{{ window_where('action_date', window_from) }}
