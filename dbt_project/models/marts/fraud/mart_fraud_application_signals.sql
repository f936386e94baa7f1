-- Fraud signals of every application, point in time: only what was known at applied_at
-- (definitions and the rule score: docs/fraud_definitions.md). cluster_id / cluster_users are the
-- exception, by name: the shared-identity cluster as of the data end, for investigation; the
-- score never uses them.
{%- set flag_score = var('fraud_flag_score', 50) %}

with apps as (
    select
        a.application_id,
        a.user_id,
        a.applied_at,
        a.applied_date,
        i.phone_hash
    from {{ ref('stg_applications') }} as a
    left join {{ ref('int_fraud_application_identities') }} as i
        on i.application_id = a.application_id
),

-- earlier applications in the 7 days (604800 s) before, the 24 hours within: of the same user,
-- and (any user, the applicant's own included) from the same phone hash, each with the phone its
-- applicant held at its own applied_at
{%- for name, key in [('user_velocity', 'user_id'), ('phone_velocity', 'phone_hash')] %}
{{ name }} as (
    select
        a.application_id,
        sum(case when {{ dbt.datediff('p.applied_at', 'a.applied_at', 'second') }} <= 86400 then 1 else 0 end)
            as apps_24h,
        count(*) as apps_7d
    from apps as a
    inner join apps as p
        on p.{{ key }} = a.{{ key }}
       and p.applied_at < a.applied_at
    where {{ dbt.datediff('p.applied_at', 'a.applied_at', 'second') }} <= 604800
    group by a.application_id
),
{% endfor %}

shared as (
    select identity_type, identity_hash, user_id, first_held_at
    from {{ ref('int_fraud_shared_identities') }}
),

-- other users who had held one of the applicant's phone / ID hashes by applied_at
shared_at_apply as (
    select
        a.application_id,
        count(distinct o.user_id) as other_users
    from apps as a
    inner join shared as h
        on h.user_id = a.user_id
       and h.first_held_at <= a.applied_at
    inner join shared as o
        on o.identity_type = h.identity_type
       and o.identity_hash = h.identity_hash
       and o.user_id <> h.user_id
       and o.first_held_at <= a.applied_at
    group by a.application_id
),

signals as (
    select
        a.application_id,
        a.user_id,
        a.applied_at,
        a.applied_date,
        c.cluster_id,
        coalesce(c.cluster_users, 1) as cluster_users,
        coalesce(s.other_users, 0) as shared_identity_users,
        coalesce(uv.apps_24h, 0) as user_apps_24h,
        coalesce(uv.apps_7d, 0) as user_apps_7d,
        coalesce(pv.apps_24h, 0) as phone_apps_24h,
        coalesce(pv.apps_7d, 0) as phone_apps_7d
    from apps as a
    left join {{ ref('int_fraud_user_clusters') }} as c
        on c.user_id = a.user_id
    left join shared_at_apply as s
        on s.application_id = a.application_id
    left join user_velocity as uv
        on uv.application_id = a.application_id
    left join phone_velocity as pv
        on pv.application_id = a.application_id
),

-- the rules (points): docs/fraud_definitions.md#rule-score
rules as (
    select
        signals.*,
        case when shared_identity_users >= 1 then 50 else 0 end as r_shared_identity,
        case when shared_identity_users >= 2 then 20 else 0 end as r_shared_identity_3plus,
        case when user_apps_24h >= 1 then 20 else 0 end as r_user_burst_24h,
        case when user_apps_7d >= 3 then 10 else 0 end as r_user_velocity_7d,
        case when phone_apps_24h >= 2 then 30 else 0 end as r_phone_burst_24h
    from signals
),

scored as (
    select
        rules.*,
        r_shared_identity + r_shared_identity_3plus + r_user_burst_24h + r_user_velocity_7d
            + r_phone_burst_24h as rule_score,
        concat_ws(',',
            case when r_shared_identity > 0 then 'shared_identity' end,
            case when r_shared_identity_3plus > 0 then 'shared_identity_3plus' end,
            case when r_user_burst_24h > 0 then 'user_burst_24h' end,
            case when r_user_velocity_7d > 0 then 'user_velocity_7d' end,
            case when r_phone_burst_24h > 0 then 'phone_burst_24h' end
        ) as rules_list
    from rules
)

select
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    cast(user_id as {{ dbt.type_string() }}) as user_id,
    applied_at,
    cast(applied_date as date) as applied_date,
    cast(cluster_id as {{ dbt.type_string() }}) as cluster_id,
    cast(cluster_users as integer) as cluster_users,
    cast(shared_identity_users as integer) as shared_identity_users,
    cast(user_apps_24h as integer) as user_apps_24h,
    cast(user_apps_7d as integer) as user_apps_7d,
    cast(phone_apps_24h as integer) as phone_apps_24h,
    cast(phone_apps_7d as integer) as phone_apps_7d,
    cast(rule_score as integer) as rule_score,
    cast(case when rules_list = '' then null else rules_list end as {{ dbt.type_string() }}) as rules_fired,
    case when rule_score >= {{ flag_score }} then true else false end as is_flagged
from scored
