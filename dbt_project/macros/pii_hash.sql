{#- Keyed hash of a PII value: sha256(key || '|' || normalised value). Stable for joins and
    de-duplication, useless without the key. Null stays null. -#}
{% macro pii_hash(column) -%}
    case when {{ column }} is null then null
         else sha256('{{ var("pii_hash_key") }}' || '|' || lower(trim(cast({{ column }} as varchar))))
    end
{%- endmacro %}
