-- Credit of each channel in each converting journey under the five rule-based models. Per touch
-- (n = touches in the journey's window, k = position 1..n, d = days from touch to conversion):
--   first_touch    1 if k = 1
--   last_touch     1 if k = n
--   linear         1 / n
--   time_decay     2^(-d / H) / sum over the journey's touches of 2^(-d / H), H = half-life var
--   position_based n = 1: 1; n = 2: 1/2 each; n >= 3: 0.4 first, 0.4 last, 0.2 / (n - 2) between
-- then summed per channel. Every model's credits of a conversion sum to 1.
{{ config(**incremental_by_key('journey_id')) }}
with touches as (
    select
        t.journey_id,
        t.conversion_type,
        t.channel,
        t.touch_seq,
        t.touches_in_journey as n,
        power(2.0, -1.0 * t.days_before_end / {{ var('attribution_time_decay_half_life_days', 7) }}) as decay
    from {{ ref('int_attribution_journey_touches') }} as t
    inner join {{ ref('int_attribution_journeys') }} as j
        on j.journey_id = t.journey_id
       and j.conversion_type = t.conversion_type
    where j.converted
      and {{ key_window_in('t.journey_id') }}
),

weighted as (
    select
        journey_id,
        conversion_type,
        channel,
        case when touch_seq = 1 then 1.0 else 0.0 end as first_touch,
        case when touch_seq = n then 1.0 else 0.0 end as last_touch,
        1.0 / n as linear,
        decay / cast(sum(cast(decay as decimal(38, 18))) over (partition by journey_id, conversion_type) as double) as time_decay,
        case
            when n = 1 then 1.0
            when n = 2 then 0.5
            when touch_seq = 1 or touch_seq = n then 0.4
            else 0.2 / (n - 2)
        end as position_based
    from touches
),

per_channel as (
    select
        journey_id,
        conversion_type,
        channel,
        {{ attribution_sum('first_touch') }} as first_touch,
        {{ attribution_sum('last_touch') }} as last_touch,
        {{ attribution_sum('linear') }} as linear,
        {{ attribution_sum('time_decay') }} as time_decay,
        {{ attribution_sum('position_based') }} as position_based
    from weighted
    group by journey_id, conversion_type, channel
)

{% for model in ['first_touch', 'last_touch', 'linear', 'time_decay', 'position_based'] %}
select
    journey_id,
    conversion_type,
    '{{ model }}' as model,
    channel,
    cast({{ model }} as double) as credit
from per_channel
where {{ model }} > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
