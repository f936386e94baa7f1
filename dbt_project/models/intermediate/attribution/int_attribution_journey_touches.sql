-- The touches of each journey, ordered: a user journey takes the touches resolved to the user,
-- an anonymous visitor journey the visitor's unresolved touches, both inside the lookback window
-- [journey end - attribution_lookback_days days, journey end]. A converting journey with no touch
-- in its window gets one synthetic touch of channel 'direct' at the conversion time.
-- Key window by journey: a touch can only belong to the journey whose id it names below (the
-- user's if resolved, else the visitor's), the join conditions' own rule.
{%- set touch_journey_id = attribution_touch_journey_id() %}
{{ config(**incremental_by_key('journey_id', input_keys={'int_attribution_touchpoints': touch_journey_id})) }}
with journeys as (
    select journey_id, conversion_type, user_id, visitor_id, converted, journey_end_at
    from {{ ref('int_attribution_journeys') }} {{ key_window_where('journey_id') }}
),

touches as (
    select touch_id, visitor_id, user_id, channel, touched_at
    from {{ ref('int_attribution_touchpoints') }} {{ key_window_where(touch_journey_id) }}
),

matched as (
    select j.journey_id, j.conversion_type, t.touch_id, t.channel, t.touched_at, j.journey_end_at
    from journeys as j
    inner join touches as t
        on t.user_id = j.user_id
    where j.user_id is not null
      and t.touched_at <= j.journey_end_at
      and t.touched_at >= {{ attribution_window_start('j.journey_end_at') }}

    union all

    select j.journey_id, j.conversion_type, t.touch_id, t.channel, t.touched_at, j.journey_end_at
    from journeys as j
    inner join touches as t
        on t.visitor_id = j.visitor_id
    where j.user_id is null
      and t.user_id is null
      and t.touched_at <= j.journey_end_at
      and t.touched_at >= {{ attribution_window_start('j.journey_end_at') }}
),

direct as (
    select
        j.journey_id,
        j.conversion_type,
        cast(null as {{ dbt.type_string() }}) as touch_id,
        'direct' as channel,
        j.journey_end_at as touched_at,
        j.journey_end_at
    from journeys as j
    left join (select distinct journey_id, conversion_type from matched) as m
        on m.journey_id = j.journey_id
       and m.conversion_type = j.conversion_type
    where j.converted
      and m.journey_id is null
),

all_touches as (
    select * from matched
    union all
    select * from direct
)

select
    journey_id,
    conversion_type,
    touch_id,
    channel,
    touched_at,
    cast(row_number() over (
        partition by journey_id, conversion_type order by touched_at, touch_id
    ) as integer) as touch_seq,
    cast(count(*) over (partition by journey_id, conversion_type) as integer) as touches_in_journey,
    cast({{ dbt.datediff('touched_at', 'journey_end_at', 'second') }} as double) / 86400.0
        as days_before_end
from all_touches
