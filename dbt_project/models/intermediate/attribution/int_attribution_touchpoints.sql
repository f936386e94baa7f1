-- One row per touch that counts for attribution (clicks and visits; impressions only with
-- var attribution_include_impressions), with the resolved user: the touch's own user_id (touches
-- after registration carry it), else the user who registered from the touch's visitor_id.
-- Incremental by touched_date (docs/incremental.md): a row is its touch and the user resolved for
-- it; a user registering resolves touches of any age, so fct_touchpoints_also_from widens the
-- window to the touches of the visitors of users that changed.
{{ config(**incremental_by_window('touched_date', also_from='int_attribution_touchpoints_also_from')) }}
{%- set window_from = incremental_window() %}
with touches as (
    select touch_id, visitor_id, user_id, channel, campaign_id, touch_type, touched_at, touched_date
    from {{ ref('stg_touchpoints') }}
    where touch_type in {{ attribution_touch_types() }}
    {%- if window_from is not none %}
      and touched_date >= {{ window_from }}
    {%- endif %}
),

-- A visitor_id normally belongs to one user; should a device be shared, its anonymous touches go
-- to the first user who registered from it.
visitor_users as (
    select visitor_id, user_id
    from (
        select
            visitor_id,
            user_id,
            row_number() over (partition by visitor_id order by registered_at, user_id) as rn
        from {{ ref('stg_users') }}
        where visitor_id is not null
    ) as ranked
    where rn = 1
)

select
    t.touch_id,
    t.visitor_id,
    coalesce(t.user_id, v.user_id) as user_id,
    case
        when t.user_id is not null then 'user_id'
        when v.user_id is not null then 'visitor_id'
        else 'anonymous'
    end as user_resolved_by,
    t.channel,
    t.campaign_id,
    t.touch_type,
    t.touched_at,
    t.touched_date,
    {{ risk_month_start('t.touched_date') }} as touched_month
from touches as t
left join visitor_users as v
    on v.visitor_id = t.visitor_id
