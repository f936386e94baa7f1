{#- Local wall-clock time of day (TIME) of a timestamptz in the business time zone,
    independent of the session time zone. Companion of local_date. -#}
{% macro local_time(ts) -%}
    cast(timezone('{{ var("local_timezone") }}', {{ ts }}) as time)
{%- endmacro %}
