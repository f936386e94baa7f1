{#- Natural key of raw source `name` (its generated meta.natural_key, from the landing contract). -#}
{% macro load_change_keys(name) -%}
    {%- if not execute -%}{{ return(['_source_row']) }}{%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.raw.' ~ name] -%}
    {{ return(node.meta.natural_key) }}
{%- endmacro %}


{#- Earliest business date of a row of raw source `name` (alias `alias`): the least local date of
    its date and timestamp columns, lineage columns and the columns of var
    incremental_undated_columns (dates that do not place a record in time, e.g. a birth date)
    left out. The rule that bounds every incremental window (docs/incremental.md). -#}
{% macro load_change_date(name, alias) -%}
    {%- if not execute -%}{{ return('cast(null as date)') }}{%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.raw.' ~ name] -%}
    {%- set undated = var('incremental_undated_columns', {}).get(name, []) -%}
    {%- set dates = [] -%}
    {%- for column in node.columns.values()
            if not column.name.startswith('_') and column.name not in undated -%}
        {%- set data_type = (column.data_type or '') | lower -%}
        {%- if data_type == 'date' -%}
            {%- do dates.append(alias ~ '.' ~ column.name) -%}
        {%- elif data_type.startswith('timestamp') -%}
            {%- do dates.append(local_date(alias ~ '.' ~ column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not dates -%}
        {{ exceptions.raise_compiler_error("raw." ~ name ~ " has no date column to date its changes by") }}
    {%- endif -%}
    {{ return(dates[0] if dates | length == 1 else 'least(' ~ dates | join(', ') ~ ')') }}
{%- endmacro %}
