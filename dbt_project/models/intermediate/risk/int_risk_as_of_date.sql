-- One row: the as-of date of the risk marts.
-- as_of_date = var('as_of_date') when set, else the latest observed event date in the data:
-- greatest(max disbursed_date, max paid_date). Scheduled due dates are deliberately NOT used:
-- they run up to 24 months into the future and would make every future installment "overdue".
{%- set as_of_var = var('as_of_date', none) %}

with observed as (
    select max(disbursed_date) as max_date from {{ ref('stg_loans') }}
    union all
    select max(paid_date) as max_date from {{ ref('stg_repayments') }}
)

select
    {%- if as_of_var %}
    cast('{{ as_of_var }}' as date) as as_of_date,
    cast('var' as {{ dbt.type_string() }}) as as_of_source,
    {%- else %}
    cast(max(max_date) as date) as as_of_date,
    cast('data' as {{ dbt.type_string() }}) as as_of_source,
    {%- endif %}
    cast(max(max_date) as date) as max_observed_date
from observed
