{#- Start of this incremental model's window: a SQL date literal, or none on full builds.

    From what was loaded, never from the clock (docs/incremental.md):
      - the model's watermark: the summary batch of ops_load_changes its content reflects
        (ops.model_watermarks, written by the on-run-end hook record_watermarks);
      - the window starts at the earliest affected_from of the change summaries of the model's
        upstream raw sources (read from dbt's graph) made after that batch;
      - no change since: a date after every row (the batch is empty, nothing is replaced);
      - no valid watermark, or a load the summary has not seen yet (ops_load_changes not run
        since that load): the window covers everything, i.e. a full rebuild through the
        incremental path, and record_watermarks writes no watermark in such a run;
      - a model's `also_from` macro (incremental_by_window) can move the start earlier.
    The model body and its pre-hook (clear_window) both call this; nothing writes the tables it
    reads in between, so both get the same window: the first call's is kept for the second
    (in dbt's graph, the one object every node of an invocation sees, keyed by invocation and
    model), so the window's queries (the also_from one can take seconds) run once per node.
-#}
{% macro incremental_window() -%}
    {#- A unit test builds the model from its fixtures: a full build, no window to look up. -#}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {#- ref/source first: dbt records the dependencies while parsing, when execute is false -#}
    {%- set changes = ref('ops_load_changes') -%}
    {%- set load_log = source('ingestion', 'load_log') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set windows = graph.setdefault('lending_incremental_windows', {}) -%}
    {%- set cache_key = invocation_id ~ ' ' ~ model.unique_id -%}
    {%- if cache_key in windows -%}
        {{ return(windows[cache_key]) }}
    {%- endif -%}
    {%- set window_config = model.config.get('meta', {}).get('incremental', {}) -%}
    {%- set sources = upstream_raw_sources(model.unique_id) -%}
    {%- if window_config.get('sources') is not none -%}
        {%- set sources = sources | select('in', window_config.sources) | list -%}
    {%- endif -%}
    {%- set watermarks = watermark_relation() -%}
    {%- set query -%}
        with summary as (
            select max(generation) as generation from {{ changes }}
        ),
        watermark as (
            select max(w.summary_batch) as summary_batch
            from {{ watermarks }} as w
            inner join summary as s on s.generation = w.generation
            where w.model = '{{ model.unique_id }}'
        ),
        unsummarised as (
            select count(*) as loads
            from {{ load_log }} as l
            where l.status = 'loaded'
              and not exists (
                  select 1 from {{ changes }} as c
                  where c.source = l.source
                    and c.export_day = l._partition_date
                    and c.loaded_at = l._ingested_at
              )
        ),
        changed as (
            select count(*) as loads, min(c.affected_from) as affected_from
            from {{ changes }} as c
            cross join watermark as w
            where c.source in ('{{ sources | join("', '") }}')
              and c.summary_batch > w.summary_batch
        )
        select
            cast(w.summary_batch as bigint) as watermark,
            cast(u.loads as bigint) as unsummarised,
            cast(ch.loads as bigint) as changed_loads,
            cast(ch.affected_from as {{ dbt.type_string() }}) as affected_from
        from watermark as w
        cross join unsummarised as u
        cross join changed as ch
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] is none or row[1] > 0 or sources | length == 0 -%}
        {%- set start = '0001-01-01' -%}
    {%- elif (row[2] == 0 or row[3] is none) and window_config.get('sources') is none -%}
        {%- do windows.update({cache_key: window_nothing()}) -%}
        {{ return(window_nothing()) }}
    {%- elif row[2] == 0 or row[3] is none -%}
        {#- the listed sources did not change: also_from alone finds what the others changed -#}
        {%- set start = '9999-12-31' -%}
    {%- else -%}
        {%- set start = row[3][:10] -%}
    {%- endif -%}
    {%- set window_from = "cast('" ~ start ~ "' as date)" -%}
    {%- set also_from = window_config.get('also_from') -%}
    {%- if also_from and start != '0001-01-01' -%}
        {%- set widened = run_query('select cast(min(also_from) as ' ~ dbt.type_string()
                                    ~ ') from (' ~ context[also_from](window_from) ~ ') as _also (also_from)') -%}
        {%- set earlier = widened.rows[0][0] -%}
        {%- if earlier is not none and earlier[:10] < start -%}
            {%- set window_from = "cast('" ~ earlier[:10] ~ "' as date)" -%}
        {%- endif -%}
    {%- endif -%}
    {%- do windows.update({cache_key: window_from}) -%}
    {{ return(window_from) }}
{%- endmacro %}


{#- The window of a run in which nothing upstream changed: starts after every row. -#}
{% macro window_nothing() -%}
    {{ return("cast('9999-12-31' as date)") }}
{%- endmacro %}


{#- Names of the raw sources (source('raw', name)) that `unique_id` reads, directly or through
    other models, from dbt's graph; not through ops_load_changes (it reads every source to
    summarise the loads; models read it for their window, not for data). -#}
{% macro upstream_raw_sources(unique_id) -%}
    {%- set seen = [unique_id] -%}
    {%- set found = [] -%}
    {%- for uid in seen -%}
        {%- set node = graph.nodes.get(uid) -%}
        {%- if node and node.name == 'ops_load_changes' -%}
        {%- elif node -%}
            {%- for parent in node.depends_on.nodes if parent not in seen -%}
                {%- do seen.append(parent) -%}
            {%- endfor -%}
        {%- elif uid in graph.sources and graph.sources[uid].source_name == 'raw' -%}
            {%- do found.append(graph.sources[uid].name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found | sort) }}
{%- endmacro %}


{#- Pre-hook of incremental_by_window models: removes the rows of the window, which the model's
    batch then re-appends. DuckDB: a delete inside the node's transaction. Spark (the table is
    partitioned by the window column): drop every partition in the window, so that a partition the
    batch no longer has (a re-delivered day that emptied a date) does not survive. -#}
{% macro clear_window() -%}
    {%- if execute and is_incremental() -%}
        {%- set column = model.config.meta.incremental.window_column -%}
        {%- set window_from = incremental_window() -%}
        {{ return(adapter.dispatch('clear_window')(this, column, window_from)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__clear_window(relation, column, window_from) -%}
    delete from {{ relation }} where {{ column }} >= {{ window_from }}
{%- endmacro %}

{% macro spark__clear_window(relation, column, window_from) -%}
    {%- set start = window_from.split("'")[1] -%}
    {%- set doomed = [] -%}
    {%- for row in run_query('show partitions ' ~ relation).rows -%}
        {%- set value = row[0].split('=', 1)[1] -%}
        {%- if value >= start -%}
            {%- do doomed.append("partition (" ~ column ~ " = '" ~ value ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if doomed -%}
        alter table {{ relation }} drop if exists {{ doomed | join(', ') }}
    {%- else -%}
        select 1 as nothing_to_clear
    {%- endif -%}
{%- endmacro %}
