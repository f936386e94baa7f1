-- The rule-based rows of mart_attribution_credits: each converting journey's rule-based credits
-- (int_attribution_rule_credits) with the conversion's user, loan, time, month and value
-- (fct_conversion_paths); value = credit * the conversion's value. Kept apart from the markov and
-- shapley rows (int_attribution_data_driven_credits), which move with every day's path weights,
-- so that a day rewrites only the journeys that changed here.
{{ config(**incremental_by_key('journey_id')) }}
with conversions as (
    select journey_id, conversion_type, user_id, loan_id, converted_at, converted_month, value
    from {{ ref('fct_conversion_paths') }}
    where converted
      and {{ key_window_in('journey_id') }}
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
from {{ ref('int_attribution_rule_credits') }} as cr
inner join conversions as c
    on c.journey_id = cr.journey_id
   and c.conversion_type = cr.conversion_type
{{ key_window_where('cr.journey_id') }}
