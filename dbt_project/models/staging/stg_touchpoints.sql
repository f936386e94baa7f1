-- Marketing touches: newest export per touch_id. Incremental by touched_date (docs/incremental.md).
{{ config(**incremental_by_window('touched_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'touchpoints'), ['touch_id'],
                                     local_date('touched_at'), window_from), ['touch_id']) }}
),

touches as (
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
)

select * from touches
{{ window_where('touched_date', window_from) }}
