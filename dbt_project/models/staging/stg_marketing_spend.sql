-- Daily spend per channel and campaign: newest export per (spend_date, channel, campaign_id).
-- Incremental by spend_date (docs/incremental.md).
{{ config(**incremental_by_window('spend_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'marketing_spend'), ['spend_date', 'channel', 'campaign_id'],
                                     'spend_date', window_from), ['spend_date', 'channel', 'campaign_id']) }}
),

final as (
    select
        spend_date,
        channel,
        campaign_id,
        impressions,
        clicks,
        spend_cny
    from deduped
)

select * from final
{{ window_where('spend_date', window_from) }}
