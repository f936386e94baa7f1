{#- Model watermarks: which batch of ops_load_changes each model's content reflects
    (docs/incremental.md). Append-only, so it works wherever `insert into` does (DuckDB, Spark
    Parquet tables); the newest row of a model wins (watermarks never go back). -#}
{% macro watermark_relation() -%}
    {{ return(api.Relation.create(schema='ops', identifier='model_watermarks', type='table')
              .include(database=(target.type != 'spark'))) }}
{%- endmacro %}


{#- on-run-start: create the watermark table if missing. -#}
{% macro ensure_watermarks() -%}
    {%- if execute -%}
        {%- set relation = watermark_relation() -%}
        {%- do run_query('create schema if not exists ' ~ relation.schema) -%}
        {%- do run_query('create table if not exists ' ~ relation ~ ' (model '
                         ~ dbt.type_string() ~ ', summary_batch bigint, generation '
                         ~ dbt.type_string() ~ ', written_at timestamp)'
                         ~ (' using parquet' if target.type == 'spark' else '')) -%}
    {%- endif -%}
{%- endmacro %}


{#- on-run-end: a watermark for every table or incremental model that succeeded in this run.

    A model reflects what its inputs reflect when it was built: a raw source, the newest summary
    batch of ops_load_changes (loads are only summarised there, and ingestion never runs during
    a dbt run: one writer); another model, that model's watermark (its new one if it succeeded in
    this run, else the stored one); a view or ephemeral model, its own inputs; seeds and the
    sources that Python steps write do not count. So a model whose parent failed or was not
    selected keeps a watermark no newer than that parent's, and catches up when the parent does.
    An input without a watermark makes the model's unknown: nothing is written, and its next
    incremental run covers everything. Nothing at all is written while ops_load_changes lags the
    load log (a load no summary has seen).
-#}
{% macro record_watermarks(results) -%}
    {%- if not execute or flags.WHICH not in ('run', 'build') -%}{{ return('') }}{%- endif -%}
    {%- set succeeded = [] -%}
    {%- for result in results
            if result.node.resource_type == 'model' and result.status == 'success' -%}
        {%- do succeeded.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- set summary_node = graph.nodes.values() | selectattr('name', 'equalto', 'ops_load_changes')
                           | first -%}
    {%- set summary = adapter.get_relation(summary_node.database, summary_node.schema,
                                           summary_node.alias) -%}
    {%- if not succeeded or summary is none -%}{{ return('') }}{%- endif -%}
    {%- set load_log = graph.sources.values() | selectattr('source_name', 'equalto', 'ingestion')
                       | first -%}
    {%- set state = run_query(
        "select cast(max(summary_batch) as bigint), max(generation),
                (select count(*) from " ~ load_log.relation_name ~ " as l
                 where l.status = 'loaded' and not exists (
                     select 1 from " ~ summary ~ " as c where c.source = l.source
                       and c.export_day = l._partition_date and c.loaded_at = l._ingested_at))
         from " ~ summary).rows[0] -%}
    {%- if state[0] is none or state[2] > 0 -%}{{ return('') }}{%- endif -%}
    {%- set memo = {'__latest__': state[0]} -%}
    {%- for row in run_query("select model, cast(max(summary_batch) as bigint) from "
                             ~ watermark_relation() ~ " where generation = '" ~ state[1]
                             ~ "' group by model").rows -%}
        {%- do memo.update({'stored:' ~ row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set values = [] -%}
    {%- for uid in succeeded -%}
        {%- set node = graph.nodes[uid] -%}
        {%- if node.config.materialized in ('table', 'incremental') -%}
            {%- set mark = _watermark_of(uid, succeeded, memo) -%}
            {%- set mark = memo['__latest__'] if mark is none else mark -%}
            {%- if mark >= 0 -%}
                {%- do values.append("('" ~ uid ~ "', " ~ mark ~ ", '" ~ state[1]
                                     ~ "', current_timestamp)") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if values -%}
        {%- do run_query('insert into ' ~ watermark_relation() ~ ' values ' ~ values | join(', ')) -%}
    {%- endif -%}
{%- endmacro %}


{#- Watermark of one node (see record_watermarks): an integer batch, -1 when unknown, none when
    the node does not depend on loaded data at all. -#}
{% macro _watermark_of(uid, succeeded, memo) -%}
    {%- if uid in memo -%}{{ return(memo[uid]) }}{%- endif -%}
    {%- set ns = namespace(mark=none) -%}
    {%- if uid in graph.sources -%}
        {%- set ns.mark = memo['__latest__'] if graph.sources[uid].source_name == 'raw' else none -%}
    {%- elif uid in graph.nodes and graph.nodes[uid].resource_type == 'model' -%}
        {%- set node = graph.nodes[uid] -%}
        {%- if uid in succeeded or node.config.materialized in ('view', 'ephemeral') -%}
            {%- for parent in node.depends_on.nodes -%}
                {%- set parent_mark = _watermark_of(parent, succeeded, memo) -%}
                {%- if parent_mark is not none and (ns.mark is none or parent_mark < ns.mark) -%}
                    {%- set ns.mark = parent_mark -%}
                {%- endif -%}
            {%- endfor -%}
        {%- else -%}
            {%- set ns.mark = memo.get('stored:' ~ uid, -1) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do memo.update({uid: ns.mark}) -%}
    {{ return(ns.mark) }}
{%- endmacro %}
