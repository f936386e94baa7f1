{#- Config of a model that rebuilds only a date window on incremental runs (docs/incremental.md).

    Usage, first line of the model:
        {{ config(**incremental_by_window('touched_date')) }}
        {%- set window_from = incremental_window() %}
    and the model restricts what it selects to rows with `<column> >= window_from` when
    window_from is not none (see window_where / window_versions).

    `column`: a NOT NULL date column of the model; the rows replaced on an incremental run are
    exactly those with column >= the window's start (DuckDB: one delete; Spark: the table is
    partitioned by the column and the window's partitions are dropped), then the model's batch is
    appended. Both happen in the pre-hook + append of one node: on DuckDB in one transaction.
    `also_from`: optional name of a macro that widens the window for this model (a dependency the
    load log cannot date, e.g. the as-of date); called as also_from(window_from), it returns a
    query of one date column whose minimum also bounds the window (docs/incremental.md).
    `sources`: optional list of the upstream raw sources whose loads date the window; the changes
    of the model's other upstream sources must then be found by `also_from` (required with
    `sources`), which is called on every incremental run, also when the listed sources did not
    change (window_from = 9999-12-31). For a model whose rows depend on entity attributes that
    the load dates do not bound (a loan's channel, a user's city tier): also_from compares them
    with the stored rows (docs/incremental.md, "key changes").
-#}
{% macro incremental_by_window(column, also_from=none, sources=none) -%}
    {%- if sources is not none and also_from is none -%}
        {{ exceptions.raise_compiler_error("incremental_by_window: `sources` needs an `also_from` macro") }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'partition_by': ([column] if target.type == 'spark' else none),
        'pre_hook': ["{{ clear_window() }}"],
        'meta': {'incremental': {'window_column': column, 'also_from': also_from, 'sources': sources}},
    }) }}
{%- endmacro %}


{#- `where <column> >= <window_from>` on incremental runs, nothing on full builds. -#}
{% macro window_where(column, window_from) -%}
    {%- if window_from is not none %}where {{ column }} >= {{ window_from }}{% endif -%}
{%- endmacro %}


{#- The raw versions a staging model must re-rank on an incremental run: every version of each
    natural key that has at least one version with `date_expr` (the model's window column, in
    raw terms) in the window. A key's winner can only change if one of its versions changed, and
    every version of a changed key is dated >= the window start (ops_load_changes), so the
    winners of these keys, kept where their own date is in the window, are exactly the full
    rebuild's rows in the window. On full builds: the relation itself. -#}
{% macro window_versions(relation, key_columns, date_expr, window_from) -%}
    {%- if window_from is none -%}
        {{ relation }}
    {%- else -%}
        (
            select _all_versions.*
            from {{ relation }} as _all_versions
            inner join (
                select distinct {{ key_columns | join(', ') }}
                from {{ relation }}
                where {{ date_expr }} >= {{ window_from }}
            ) as _window_keys
                on {% for key in key_columns -%}
                    _window_keys.{{ key }} = _all_versions.{{ key }}{{ ' and ' if not loop.last }}
                {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}
