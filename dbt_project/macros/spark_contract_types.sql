{#- Model YAMLs declare contract data types in DuckDB's spelling (varchar, timestamptz, ...), the
    warehouse of record. Spark SQL names some of them differently, so on the spark target dbt's
    contract check translates the declared type before it builds its `cast(null as <type>)` probe.
    One mapping, here, instead of a second set of YAMLs. -#}
{% macro portable_data_type(data_type) -%}
    {{ return(adapter.dispatch('portable_data_type')(data_type)) }}
{%- endmacro %}

{% macro default__portable_data_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro spark__portable_data_type(data_type) -%}
    {%- set t = data_type | trim | lower -%}
    {%- set spark_names = {
        'varchar': 'string',
        'text': 'string',
        'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp',
        'timestamp without time zone': 'timestamp_ntz',
        'hugeint': 'decimal(38,0)',
        'real': 'float',
    } -%}
    {{ return(spark_names.get(t, data_type)) }}
{%- endmacro %}

{#- dbt's default__get_empty_schema_sql with the declared types translated (see above). -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set col_err = [] -%}
    select
    {% for i in columns %}
      {%- set col = columns[i] -%}
      {%- if col['data_type'] is not defined -%}
        {%- do col_err.append(col['name']) -%}
      {%- endif -%}
      {% set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
      {{ cast('null', portable_data_type(col['data_type'] or '')) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (col_err | length) > 0 -%}
      {{ exceptions.column_type_missing(column_names=col_err) }}
    {%- endif -%}
{% endmacro %}
