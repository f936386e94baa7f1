{#- On the spark target, register every `raw` source as an external Parquet table over the lake
    that orchestration/lake.py writes (<lake_dir>/raw/<table>/). Runs as an on-run-start hook.

    Acts only when target.type is spark and var lake_dir (env LENDING_LAKE_DIR, an absolute path
    or a URI such as s3a://bucket/lake) is set; on a cluster whose raw tables already exist in the
    metastore, leave it unset. Dropping an external table never deletes its files, so re-running
    is safe and always picks up the latest export. -#}
{% macro register_lake_sources() %}
    {%- if execute and target.type == 'spark' and var('lake_dir', '') -%}
        {%- set lake = var('lake_dir') | trim | replace('\\', '/') -%}
        {%- set lake = lake[:-1] if lake.endswith('/') else lake -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
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
