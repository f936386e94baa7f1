{#- Local business date of a timestamptz, independent of the session time zone. -#}
{% macro local_date(ts) -%}
    cast(timezone('{{ var("local_timezone") }}', {{ ts }}) as date)
{%- endmacro %}
