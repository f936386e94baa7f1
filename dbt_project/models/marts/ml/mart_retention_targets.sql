-- The list a retention campaign starts from: every user the churn champion scored at the latest
-- snapshot, with the user's lifecycle tier at that month-end, the churn band and the tier's
-- intended operation (seed lifecycle_tier_operations). Reads ml.churn_scores (written by the
-- churn_scores asset); before the first scoring run that table does not exist and this mart is
-- empty. Definitions: docs/ml.md#retention-targets.
{%- set scores_exist = source_relation_exists('ml', 'churn_scores') %}

with scores as (
    {%- if scores_exist %}
    select user_id, snapshot_date, model_version, churn_probability, churn_band
    from {{ source('ml', 'churn_scores') }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as user_id,
        cast(null as date) as snapshot_date,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as double) as churn_probability,
        cast(null as {{ dbt.type_string() }}) as churn_band
    where 1 = 0
    {%- endif %}
)

select
    cast(s.snapshot_date as date) as snapshot_date,
    cast(s.user_id as {{ dbt.type_string() }}) as user_id,
    cast(l.tier as {{ dbt.type_string() }}) as tier,
    cast(l.stage as {{ dbt.type_string() }}) as stage,
    cast(s.churn_band as {{ dbt.type_string() }}) as churn_band,
    cast(s.churn_probability as double) as churn_probability,
    cast(o.operation as {{ dbt.type_string() }}) as operation,
    cast(l.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(l.days_since_last_activity as integer) as days_since_last_activity,
    cast(s.model_version as {{ dbt.type_string() }}) as model_version
from scores as s
left join {{ ref('mart_user_lifecycle_monthly') }} as l
    on l.user_id = s.user_id
   and l.month_end_date = s.snapshot_date
left join {{ ref('lifecycle_tier_operations') }} as o
    on o.tier = l.tier
