-- Is the scorecard still ranking? Applications, approvals and the observed bad rate per grade and
-- application month. Reads ml.credit_scores (written by the credit_scores asset); before the first
-- scoring run that table does not exist and this mart is empty.
{%- set scores_exist = source_relation_exists('ml', 'credit_scores') %}

with scores as (
    {%- if scores_exist %}
    select application_id, model_version, grade from {{ source('ml', 'credit_scores') }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as application_id,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as {{ dbt.type_string() }}) as grade
    where 1 = 0
    {%- endif %}
),

features as (
    select application_id, applied_month, is_approved, loan_id, is_bad
    from {{ ref('feat_credit_applications') }}
)

select
    cast(s.grade as {{ dbt.type_string() }}) as grade,
    cast(f.applied_month as date) as applied_month,
    cast(max(s.model_version) as {{ dbt.type_string() }}) as model_version,
    cast(count(*) as integer) as applications,
    cast(sum(case when f.is_approved then 1 else 0 end) as integer) as approvals,
    cast(sum(case when f.is_approved then 1 else 0 end) as double) / count(*) as approval_rate,
    cast(sum(case when f.loan_id is not null then 1 else 0 end) as integer) as loans,
    cast(sum(case when f.is_bad is not null then 1 else 0 end) as integer) as observable_loans,
    cast(sum(case when f.is_bad then 1 else 0 end) as integer) as bad_loans,
    cast(case when sum(case when f.is_bad is not null then 1 else 0 end) > 0
              then cast(sum(case when f.is_bad then 1 else 0 end) as double)
                   / sum(case when f.is_bad is not null then 1 else 0 end) end as double) as bad_rate
from scores as s
inner join features as f on f.application_id = s.application_id
group by s.grade, f.applied_month
