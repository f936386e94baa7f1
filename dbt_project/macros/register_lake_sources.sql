{#- On the spark target, register the sources of every schema listed in var `lake_sources` (raw,
    reference, attribution_py, ...) as external Parquet tables over the lake that
    lending/lake.py writes (<lake_dir>/<schema>/<table>/). Runs as an on-run-start hook.

    Acts only when target.type is spark and var lake_dir (env LENDING_LAKE_DIR, an absolute path
    or a URI such as s3a://bucket/lake) is set; on a cluster whose tables already exist in the
    metastore, leave it unset. Dropping an external table never deletes its files, so re-running
    is safe and always picks up the latest export.

    Only the sources that the selected nodes read are registered (a unit test counts as reading
    its model's sources: dbt looks up their columns). A schema written by a Python step between
    two dbt invocations (attribution_py after fct_conversion_paths) has no files yet during the
    first invocation, which does not select its readers; Spark cannot create a Parquet table over
    a folder without files. -#}
{% macro register_lake_sources() %}
    {%- if execute and target.type == 'spark' and var('lake_dir', '') -%}
        {%- set lake = var('lake_dir') | trim | replace('\\', '/') -%}
        {%- set lake = lake[:-1] if lake.endswith('/') else lake -%}
        {%- set lake_sources = var('lake_sources', ['raw', 'reference']) -%}
        {%- set read = [] -%}
        {%- for uid in selected_resources -%}
            {%- set parts = uid.split('.') -%}
            {%- set node_id = 'model.' ~ parts[1] ~ '.' ~ parts[2] if parts[0] == 'unit_test' else uid -%}
            {%- if node_id.startswith('source.') -%}
                {%- do read.append(node_id) -%}
            {%- endif -%}
            {%- for parent in graph.nodes.get(node_id, {}).get('depends_on', {}).get('nodes', []) -%}
                {%- do read.append(parent) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values()
                if source.source_name in lake_sources and source.unique_id in read -%}
            {%- if source.schema not in schemas -%}
                {%- do run_query('create schema if not exists ' ~ source.schema) -%}
                {%- do schemas.append(source.schema) -%}
            {%- endif -%}
            {%- set relation = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query('create table ' ~ relation ~ " using parquet location '"
                              ~ lake ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
