-- The markov and shapley rows of mart_attribution_credits: a converting journey's credit per
-- channel is its path's weight (source attribution_py.path_weights, written by the Python
-- asset), value = credit * the conversion's value. Rebuilt whole: the weights are fitted on every
-- journey, so each day's journeys move the weight of every path (the reason is in the YAML).
with conversions as (
    select journey_id, conversion_type, user_id, loan_id, converted_at, converted_month, path, value
    from {{ ref('fct_conversion_paths') }}
    where converted
)

select
    c.journey_id,
    c.conversion_type,
    c.user_id,
    c.loan_id,
    c.converted_at,
    c.converted_month,
    cast(w.model as {{ dbt.type_string() }}) as model,
    cast(w.channel as {{ dbt.type_string() }}) as channel,
    cast(w.weight as double) as credit,
    cast(w.weight * c.value as double) as value
from conversions as c
inner join {{ source('attribution_py', 'path_weights') }} as w
    on w.conversion_type = c.conversion_type
   and w.path = c.path
where w.weight > 0
