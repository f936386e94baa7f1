-- One row per journey and conversion type, converting or not, with its channel path: the
-- channels of its touches in time order, consecutive repeats collapsed, joined with ' > '.
-- The Markov chain (mart_markov_transitions) is built from exactly these rows.
{{ config(**incremental_by_key('journey_id')) }}
with touches as (
    select
        journey_id,
        conversion_type,
        touch_id,
        channel,
        touch_seq,
        touched_at,
        lag(channel) over (partition by journey_id, conversion_type order by touch_seq) as previous_channel
    from {{ ref('int_attribution_journey_touches') }} {{ key_window_where('journey_id') }}
),

paths as (
    select
        journey_id,
        conversion_type,
        {{ attribution_path_agg('channel', 'touch_seq') }} as path,
        count(*) as path_length
    from touches
    where previous_channel is null or previous_channel <> channel
    group by journey_id, conversion_type
),

touch_counts as (
    select
        journey_id,
        conversion_type,
        count(touch_id) as touches,
        min(touched_at) as first_touch_at
    from touches
    group by journey_id, conversion_type
)

select
    j.journey_id,
    j.conversion_type,
    j.user_id,
    j.visitor_id,
    j.converted,
    j.converted_at,
    case when j.converted then {{ risk_month_start(local_date('j.converted_at')) }} end as converted_month,
    p.path,
    cast(p.path_length as integer) as path_length,
    cast(c.touches as integer) as touches,
    c.first_touch_at,
    j.loan_id,
    cast(j.value as decimal(18, 2)) as value
from {{ ref('int_attribution_journeys') }} as j
inner join paths as p
    on p.journey_id = j.journey_id
   and p.conversion_type = j.conversion_type
inner join touch_counts as c
    on c.journey_id = j.journey_id
   and c.conversion_type = j.conversion_type
{{ key_window_where('j.journey_id') }}
