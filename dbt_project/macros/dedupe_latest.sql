{#- Newest version of every record of a raw table that holds all exported versions.

    Returns a select of all columns of `relation` with exactly one row per `key_columns`
    (a list): the first row in `order_by` (a list of order expressions, newest first).
    Default order: export day, then row in the file, then file name (all descending), i.e.
    the latest export wins. Sources with an `updated_at` pass
    ['updated_at desc', '_partition_date desc', '_source_row desc', '_source_file desc'].

    Portable (row_number over a subquery, no QUALIFY); the helper column `_dedupe_rn` is
    returned too, so select the columns you need from it:

        with deduped as ({{ dedupe_latest(source('raw', 'loans'), ['loan_id'], [...]) }})
        select loan_id, ... from deduped
-#}
{% macro dedupe_latest(relation, key_columns, order_by=none) -%}
    {%- if key_columns is string -%}{%- set key_columns = [key_columns] -%}{%- endif -%}
    {%- if order_by is none -%}
        {%- set order_by = ['_partition_date desc', '_source_row desc', '_source_file desc'] -%}
    {%- elif order_by is string -%}
        {%- set order_by = [order_by] -%}
    {%- endif -%}
    select *
    from (
        select
            _versions.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as _dedupe_rn
        from {{ relation }} as _versions
    ) as _ranked
    where _dedupe_rn = 1
{%- endmacro %}
