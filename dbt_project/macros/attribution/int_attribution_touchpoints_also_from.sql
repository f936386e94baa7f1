{#- also_from of int_attribution_touchpoints (macro incremental_by_window): a touch without its own user_id
    goes to the first user who registered from its visitor_id, so a user that changed (all its
    versions are dated >= window_from, registration included) changes touches of any date: those
    of its visitor now, and those resolved to it before (its old visitor_id, or a user that is
    gone). -#}
{% macro int_attribution_touchpoints_also_from(window_from) %}
    select min(t.touched_date)
    from {{ ref('stg_touchpoints') }} as t
    where t.visitor_id in (
        select visitor_id from {{ ref('stg_users') }}
        where registered_date >= {{ window_from }} and visitor_id is not null
    )
    union all
    select min(f.touched_date)
    from {{ this }} as f
    left join {{ ref('stg_users') }} as u
        on u.user_id = f.user_id
    where f.user_resolved_by = 'visitor_id'
      and (u.user_id is null or u.registered_date >= {{ window_from }})
{% endmacro %}
