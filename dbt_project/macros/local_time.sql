{#- Local wall-clock time of day (TIME) of a timestamp with time zone in the business time zone,
    independent of the session time zone. Companion of local_date; dispatched the same way.
    Spark needs spark.sql.timeType.enabled=true for the TIME type (set in profiles.yml). -#}
{% macro local_time(ts) -%}
    {{ return(adapter.dispatch('local_time')(ts)) }}
{%- endmacro %}

{% macro default__local_time(ts) -%}
    cast(timezone('{{ var("local_timezone") }}', {{ ts }}) as time)
{%- endmacro %}

{% macro spark__local_time(ts) -%}
    cast(convert_timezone(current_timezone(), '{{ var("local_timezone") }}', {{ ts }}) as time)
{%- endmacro %}
