{{ config(meta={"dagster": {"ref": {"name": "mart_channel_attribution"}}}) }}
-- INVARIANT: per month, conversion type and model, mart_channel_attribution sums to the number
-- of conversions and to their total value in fct_conversion_paths; all seven models are present
-- for every conversion type that has conversions.
with truth as (
    select converted_month as month, conversion_type, count(*) as conversions, sum(value) as value
    from {{ ref('fct_conversion_paths') }}
    where converted
    group by converted_month, conversion_type
),

models as (
    {% for m in attribution_models() %}
    select '{{ m }}' as model {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

totals as (
    select month, conversion_type, model, sum(conversions) as conversions, sum(value) as value
    from {{ ref('mart_channel_attribution') }}
    group by month, conversion_type, model
)

select t.month, t.conversion_type, m.model, t.conversions, a.conversions as credited, t.value, a.value as credited_value
from truth as t
cross join models as m
left join totals as a
    on a.month = t.month
   and a.conversion_type = t.conversion_type
   and a.model = m.model
where a.conversions is null
   or abs(a.conversions - t.conversions) > 1e-6
   or abs(a.value - t.value) > 1e-6 * greatest(1, abs(t.value))
