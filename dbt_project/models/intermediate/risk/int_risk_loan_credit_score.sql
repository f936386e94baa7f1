-- The credit model's score of each disbursed loan: the champion's score of the loan's application
-- (ml.credit_scores, written by the credit_scores asset after the feature marts). Feeds the model
-- PD of int_risk_loan_expected_loss and the risk grade of mart_portfolio_monthly_by_grade.
-- ml.credit_scores does not exist before the first scoring run (or with no champion yet): then
-- this model is empty and every loan falls back to the bucket PD / grade 'unscored'.
{%- set scores_exist = source_relation_exists('ml', 'credit_scores') %}

with scores as (
    {%- if scores_exist %}
    select application_id, model_version, pd, score, grade from {{ source('ml', 'credit_scores') }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as application_id,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as double) as pd,
        cast(null as integer) as score,
        cast(null as {{ dbt.type_string() }}) as grade
    where 1 = 0
    {%- endif %}
)

select
    cast(l.loan_id as {{ dbt.type_string() }}) as loan_id,
    cast(s.application_id as {{ dbt.type_string() }}) as application_id,
    cast(s.model_version as {{ dbt.type_string() }}) as model_version,
    cast(s.pd as double) as model_pd,
    cast(s.score as integer) as score,
    cast(s.grade as {{ dbt.type_string() }}) as grade
from scores as s
inner join {{ ref('stg_loans') }} as l
    on l.application_id = s.application_id
