{{ config(meta={"dagster": {"ref": {"name": "mart_markov_removal_effects"}}}) }}
-- INVARIANT: Markov and Shapley channel credits sum to the conversions of their conversion type,
-- and Markov transition probabilities out of every state sum to 1.
with conversions as (
    select conversion_type, count(*) as conversions
    from {{ ref('fct_conversion_paths') }}
    where converted
    group by conversion_type
),

credits as (
    select 'markov' as model, conversion_type, sum(credit) as credit
    from {{ ref('mart_markov_removal_effects') }}
    group by conversion_type
    union all
    select 'shapley' as model, conversion_type, sum(credit) as credit
    from {{ ref('mart_shapley_values') }}
    group by conversion_type
),

bad_credits as (
    select cr.model, c.conversion_type, cast(c.conversions as double) as expected, cr.credit as actual
    from conversions as c
    left join credits as cr
        on cr.conversion_type = c.conversion_type
    where cr.credit is null or abs(cr.credit - c.conversions) > 1e-6
),

bad_rows as (
    select 'transitions' as model, conversion_type, 1.0 as expected, sum(probability) as actual
    from {{ ref('mart_markov_transitions') }}
    group by conversion_type, from_state
    having abs(sum(probability) - 1) > 1e-9
)

select * from bad_credits
union all
select * from bad_rows
