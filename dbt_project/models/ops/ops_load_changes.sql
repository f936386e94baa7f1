-- Change summary of the loads (docs/incremental.md): one row per load of a source's export day,
-- appended the first run after the load, with the earliest business date the load can affect.
-- Every incremental model takes its window from here.
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

{#- Every source of the landing contract; tests/unit/test_incremental_sources.py keeps this list
    equal to the contract's. Natural keys and date columns come from the generated sources. -#}
{%- set raw_sources = ['app_events', 'applications', 'collection_actions', 'installments', 'loans',
                       'marketing_spend', 'repayments', 'touchpoints', 'users'] -%}
{%- set relations = {} -%}
{%- for name in raw_sources -%}
    {%- do relations.update({name: source('raw', name)}) -%}
{%- endfor %}

with loads as (
    select
        l.source,
        l._partition_date as export_day,
        l._ingested_at as loaded_at,
        l.rows_loaded
    from {{ source('ingestion', 'load_log') }} as l
    where l.status = 'loaded'
    {%- if is_incremental() %}
      and not exists (
          select 1 from {{ this }} as c
          where c.source = l.source
            and c.export_day = l._partition_date
            and c.loaded_at = l._ingested_at
      )
    {%- endif %}
),

{% for name in raw_sources %}
{%- set keys = load_change_keys(name) -%}
{%- set dated = load_change_date(name, '_v') %}
-- {{ name }}: every raw version of each natural key that has a version in a new load's day
{{ name }}_keys as (
    select distinct {{ keys | join(', ') }}
    from {{ relations[name] }}
    where _partition_date in (select export_day from loads where source = '{{ name }}')
),

{{ name }}_key_from as (
    select {% for k in keys %}_v.{{ k }}, {% endfor %}min({{ dated }}) as key_from
    from {{ relations[name] }} as _v
    inner join {{ name }}_keys as _k
        on {% for k in keys %}_k.{{ k }} = _v.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    group by {% for k in keys %}_v.{{ k }}{{ ', ' if not loop.last }}{% endfor %}
),

{{ name }}_days as (
    select '{{ name }}' as source, _d._partition_date as export_day, min(_f.key_from) as rows_from
    from (
        select distinct _partition_date, {{ keys | join(', ') }}
        from {{ relations[name] }}
        where _partition_date in (select export_day from loads where source = '{{ name }}')
    ) as _d
    inner join {{ name }}_key_from as _f
        on {% for k in keys %}_f.{{ k }} = _d.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    group by _d._partition_date
),
{% endfor %}

new_loads as (
    select
        loads.source,
        loads.export_day,
        loads.loaded_at,
        loads.rows_loaded,
        days.rows_from
    from loads
    left join (
        {% for name in raw_sources -%}
        select source, export_day, rows_from from {{ name }}_days
        {{ 'union all' if not loop.last }}
        {% endfor -%}
    ) as days
        on days.source = loads.source and days.export_day = loads.export_day
),

{% if is_incremental() %}
-- A load that replaced an earlier one of the same day also affects the rows it removed: those of
-- the previous summary of that day, and every version of their keys (all in that summary's
-- rows_from, or, if added since, in the rows_from of a later summary of the source).
previous as (
    select c.source, c.export_day, c.summary_batch, c.rows_from
    from {{ this }} as c
    inner join (
        select source, export_day, max(summary_batch) as summary_batch
        from {{ this }}
        group by source, export_day
    ) as latest
        on latest.source = c.source
       and latest.export_day = c.export_day
       and latest.summary_batch = c.summary_batch
    inner join new_loads as n
        on n.source = c.source and n.export_day = c.export_day
),

later as (
    select p.source, p.export_day, min(c.rows_from) as later_from
    from previous as p
    inner join {{ this }} as c
        on c.source = p.source and c.summary_batch > p.summary_batch
    group by p.source, p.export_day
),

batch_from as (
    select source, min(rows_from) as batch_from
    from new_loads
    group by source
),

replaced as (
    select
        p.source,
        p.export_day,
        least(p.rows_from, l.later_from, b.batch_from) as replaced_from
    from previous as p
    left join later as l on l.source = p.source and l.export_day = p.export_day
    left join batch_from as b on b.source = p.source
),

numbering as (
    select
        coalesce(max(summary_batch), 0) + 1 as summary_batch,
        coalesce(max(generation), '{{ invocation_id }}') as generation
    from {{ this }}
)
{% else %}
replaced as (
    select source, export_day, cast(null as date) as replaced_from
    from new_loads
    where 1 = 0
),

numbering as (
    select 1 as summary_batch, '{{ invocation_id }}' as generation
)
{% endif %}

select
    cast(n.source as {{ dbt.type_string() }}) as source,
    cast(n.export_day as date) as export_day,
    n.loaded_at,
    cast(n.rows_loaded as bigint) as rows_loaded,
    cast(n.rows_from as date) as rows_from,
    cast(r.replaced_from as date) as replaced_from,
    cast(least(n.rows_from, r.replaced_from) as date) as affected_from,
    cast(nb.summary_batch as bigint) as summary_batch,
    cast(nb.generation as {{ dbt.type_string() }}) as generation,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as summarised_at
from new_loads as n
left join replaced as r
    on r.source = n.source and r.export_day = n.export_day
cross join numbering as nb
