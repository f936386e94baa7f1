-- App activity: newest export per event_id.
-- Incremental by occurred_date (docs/incremental.md).
{{ config(**incremental_by_window('occurred_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'app_events'), ['event_id'],
                                     local_date('occurred_at'), window_from), ['event_id']) }}
),

final as (
    select
        event_id,
        user_id,
        event_type,
        occurred_at,
        {{ local_date('occurred_at') }} as occurred_date
    from deduped
)

select * from final
{{ window_where('occurred_date', window_from) }}
