{{ config(meta={"dagster": {"ref": {"name": "mart_attribution_credits"}}}) }}
-- INVARIANT: for every conversion type and model, the credits of every conversion sum to 1 and
-- their values to the conversion's value; and every model credits every conversion. Fails with
-- the offending conversion and model.
with conversions as (
    select journey_id, conversion_type, value
    from {{ ref('fct_conversion_paths') }}
    where converted
),

models as (
    select distinct model from {{ ref('mart_attribution_credits') }}
),

expected as (
    select c.journey_id, c.conversion_type, m.model, c.value
    from conversions as c
    cross join models as m
),

credited as (
    select journey_id, conversion_type, model, sum(credit) as credit, sum(value) as value
    from {{ ref('mart_attribution_credits') }}
    group by journey_id, conversion_type, model
)

select e.journey_id, e.conversion_type, e.model, cr.credit, cr.value, e.value as expected_value
from expected as e
left join credited as cr
    on cr.journey_id = e.journey_id
   and cr.conversion_type = e.conversion_type
   and cr.model = e.model
where cr.credit is null
   or abs(cr.credit - 1) > 1e-9
   or abs(cr.value - e.value) > 1e-6 * greatest(1, abs(e.value))
