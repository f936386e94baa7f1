-- Daily spend per channel and campaign: newest export per (spend_date, channel, campaign_id).
with deduped as (
    {{ dedupe_latest(source('raw', 'marketing_spend'), ['spend_date', 'channel', 'campaign_id']) }}
)

select
    spend_date,
    channel,
    campaign_id,
    impressions,
    clicks,
    spend_cny
from deduped
