-- One row per journey and conversion type, converting or not. Journey end = the conversion time,
-- or for a journey that did not convert its last touch.
--   registration: every registered user (converted) and every visitor whose touches resolve to
--                 no user (not converted);
--   first_loan:   every user with a loan (converted) and every user without one who has touches
--                 (not converted).
-- Key window by journey: each row is made of the rows of its inputs that name its journey_id.
{%- set user_journey_id = attribution_user_journey_id() %}
{{ config(**incremental_by_key('journey_id', input_keys={
    'int_attribution_conversions': user_journey_id,
    'int_attribution_touchpoints': attribution_touch_journey_id(),
    'stg_users': user_journey_id,
})) }}
with conversions as (
    select conversion_type, user_id, visitor_id, converted_at, loan_id, value
    from {{ ref('int_attribution_conversions') }} {{ key_window_where(user_journey_id) }}
),

anonymous_visitors as (
    select visitor_id, max(touched_at) as last_touch_at
    from {{ ref('int_attribution_touchpoints') }}
    where user_id is null
      and {{ key_window_in(attribution_touch_journey_id()) }}
    group by visitor_id
),

user_last_touch as (
    select user_id, max(touched_at) as last_touch_at
    from {{ ref('int_attribution_touchpoints') }}
    where user_id is not null
      and {{ key_window_in(attribution_touch_journey_id()) }}
    group by user_id
),

borrowers as (
    select user_id from conversions where conversion_type = 'first_loan'
)

select
    {{ user_journey_id }} as journey_id,
    conversion_type,
    user_id,
    visitor_id,
    true as converted,
    converted_at,
    converted_at as journey_end_at,
    loan_id,
    value
from conversions

union all

select
    {{ attribution_visitor_journey_id() }} as journey_id,
    'registration' as conversion_type,
    cast(null as {{ dbt.type_string() }}) as user_id,
    visitor_id,
    false as converted,
    cast(null as {{ dbt.type_timestamp() }}) as converted_at,
    last_touch_at as journey_end_at,
    cast(null as {{ dbt.type_string() }}) as loan_id,
    cast(0 as decimal(18, 2)) as value
from anonymous_visitors

union all

select
    {{ attribution_user_journey_id('u.user_id') }} as journey_id,
    'first_loan' as conversion_type,
    u.user_id,
    s.visitor_id,
    false as converted,
    cast(null as {{ dbt.type_timestamp() }}) as converted_at,
    u.last_touch_at as journey_end_at,
    cast(null as {{ dbt.type_string() }}) as loan_id,
    cast(0 as decimal(18, 2)) as value
from user_last_touch as u
left join {{ ref('stg_users') }} as s
    on s.user_id = u.user_id
where u.user_id not in (select user_id from borrowers)
