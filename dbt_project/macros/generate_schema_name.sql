{#- Schemas are named by layer (staging, intermediate, marts), not prefixed with the target
    schema, so analysts query `marts.mart_vintage` whatever the profile's default schema is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
