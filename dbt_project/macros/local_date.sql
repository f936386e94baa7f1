{#- Local business date (var local_timezone) of a timestamp with time zone, independent of the
    session time zone. Dispatched: DuckDB's timezone() and Spark's convert_timezone() both turn the
    instant into the local wall-clock time; the cast keeps its date. -#}
{% macro local_date(ts) -%}
    {{ return(adapter.dispatch('local_date')(ts)) }}
{%- endmacro %}

{% macro default__local_date(ts) -%}
    cast(timezone('{{ var("local_timezone") }}', {{ ts }}) as date)
{%- endmacro %}

{#- Spark timestamps are instants (TIMESTAMP_LTZ); convert_timezone reads them as wall-clock time
    in the session zone (current_timezone()), so converting from there gives the local wall clock
    whatever spark.sql.session.timeZone is. -#}
{% macro spark__local_date(ts) -%}
    cast(convert_timezone(current_timezone(), '{{ var("local_timezone") }}', {{ ts }}) as date)
{%- endmacro %}
