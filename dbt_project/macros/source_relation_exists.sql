{#-
  Whether a source table exists in the warehouse. Tables written by Python assets (ml.*) do not
  exist before their first run; a model reading one falls back to an empty relation instead of
  failing the whole build. In a unit test the source is a fixture CTE (no schema): it exists.
-#}
{% macro source_relation_exists(source_name, table_name) %}
    {%- set src = source(source_name, table_name) -%}
    {%- if execute and src.schema -%}
        {{ return(adapter.get_relation(database=src.database, schema=src.schema,
                                       identifier=src.identifier) is not none) }}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}
