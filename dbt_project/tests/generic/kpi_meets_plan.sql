{#- Business threshold check of the KPI scorecard: fails (one row) when `kpi` missed its plan
    target in its latest observable month (the latest month whose status is met or missed).
    Declared with severity warn in mart_kpi_scorecard.yml: a missed target is news for the
    business, not broken data, so it must not block downstream assets. -#}
{% test kpi_meets_plan(model, kpi) %}
with observed as (
    select month_start_date, kpi, actual, direction, target_min, target_max, status
    from {{ model }}
    where kpi = '{{ kpi }}'
      and status in ('met', 'missed')
),

latest as (
    select max(month_start_date) as month_start_date
    from observed
)

select o.*
from observed as o
inner join latest as l
    on l.month_start_date = o.month_start_date
where o.status = 'missed'
{% endtest %}
