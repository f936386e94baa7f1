-- Last-touch acquisition channel per user: the user's last click or visit at or before
-- registration and at most var('lifecycle_acquisition_window_days') (30) days before it, matched
-- on the user's visitor_id or user_id; 'direct' when there is none (definitions:
-- docs/lifecycle_definitions.md).
with users as (
    select user_id, visitor_id, registered_at
    from {{ ref('stg_users') }}
),

touches as (
    select touch_id, visitor_id, user_id, channel, campaign_id, touch_type, touched_at
    from {{ ref('stg_touchpoints') }}
),

-- Touches of the user's visitor_id or user_id (two equi-joins instead of an OR join), at or
-- before registration. The look-back window only limits which touch can acquire the user.
matched as (
    select u.user_id, t.touch_id, t.channel, t.campaign_id, t.touch_type, t.touched_at, u.registered_at
    from users as u
    inner join touches as t
        on t.visitor_id = u.visitor_id
    where t.touched_at <= u.registered_at

    union

    select u.user_id, t.touch_id, t.channel, t.campaign_id, t.touch_type, t.touched_at, u.registered_at
    from users as u
    inner join touches as t
        on t.user_id = u.user_id
    where t.touched_at <= u.registered_at
),

touch_counts as (
    select user_id, count(*) as touches_before_registration
    from matched
    group by user_id
),

last_click_or_visit as (
    select user_id, channel, campaign_id, touched_at
    from (
        select
            matched.*,
            row_number() over (
                partition by user_id
                order by touched_at desc, touch_id desc
            ) as rn
        from matched
        where touch_type in ('click', 'visit')
          -- within the look-back window, measured in seconds (exact on every adapter)
          and {{ dbt.datediff('touched_at', 'registered_at', 'second') }}
              <= {{ var('lifecycle_acquisition_window_days', 30) }} * 86400
    ) as ranked
    where rn = 1
)

select
    u.user_id,
    coalesce(l.channel, 'direct') as acquisition_channel,
    l.campaign_id as acquisition_campaign_id,
    l.touched_at as acquisition_touch_at,
    cast(coalesce(c.touches_before_registration, 0) as integer) as touches_before_registration
from users as u
left join last_click_or_visit as l
    on l.user_id = u.user_id
left join touch_counts as c
    on c.user_id = u.user_id
