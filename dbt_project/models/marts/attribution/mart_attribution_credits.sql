-- Credit of each channel in each conversion under every model: the five rule-based models from
-- int_attribution_rule_credits, markov and shapley by joining the conversion's path to the
-- per-path weights of the Python asset (source attribution_py.path_weights).
-- value = credit * the conversion's value.
with conversions as (
    select journey_id, conversion_type, user_id, loan_id, converted_at, converted_month, path, value
    from {{ ref('fct_conversion_paths') }}
    where converted
),

credits as (
    select journey_id, conversion_type, model, channel, credit
    from {{ ref('int_attribution_rule_credits') }}

    union all

    select c.journey_id, c.conversion_type, w.model, w.channel, w.weight as credit
    from conversions as c
    inner join {{ source('attribution_py', 'path_weights') }} as w
        on w.conversion_type = c.conversion_type
       and w.path = c.path
    where w.weight > 0
)

select
    cr.journey_id,
    cr.conversion_type,
    c.user_id,
    c.loan_id,
    c.converted_at,
    c.converted_month,
    cast(cr.model as {{ dbt.type_string() }}) as model,
    cast(cr.channel as {{ dbt.type_string() }}) as channel,
    cast(cr.credit as double) as credit,
    cast(cr.credit * c.value as double) as value
from credits as cr
inner join conversions as c
    on c.journey_id = cr.journey_id
   and c.conversion_type = cr.conversion_type
