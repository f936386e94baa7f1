{#- Helpers of the attribution marts (definitions: docs/attribution_definitions.md). Portable:
    dbt cross-database macros only. -#}

{#- Touch types that count as touches: clicks and visits; impressions only when the var says so. -#}
{% macro attribution_touch_types() -%}
    {%- if var('attribution_include_impressions', false) -%}
    ('click', 'visit', 'impression')
    {%- else -%}
    ('click', 'visit')
    {%- endif -%}
{%- endmacro %}

{#- Start of the lookback window of a conversion (or journey end) at `ts`. -#}
{% macro attribution_window_start(ts) -%}
    {{ dbt.dateadd('day', -1 * var('attribution_lookback_days', 30), ts) }}
{%- endmacro %}

{#- Every attribution model, in display order; rule-based first. -#}
{% macro attribution_models() -%}
    {{ return(['first_touch', 'last_touch', 'linear', 'time_decay', 'position_based', 'markov', 'shapley']) }}
{%- endmacro %}

{#- Sum of a double that does not depend on the order rows arrive in: parallel hash aggregation
    adds doubles in varying order, which changes the last bits from run to run; decimal addition
    is exact. Returns a double. -#}
{% macro attribution_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 18))) as double)
{%- endmacro %}

{#- Channels of a group joined with ' > ' in the order of `order_col`. dbt.listagg keeps the
    order on DuckDB, but dbt-spark's listagg ignores order_by (it only warns), so Spark sorts
    (order, channel) structs itself. -#}
{% macro attribution_path_agg(measure, order_col) -%}
    {{ return(adapter.dispatch('attribution_path_agg')(measure, order_col)) }}
{%- endmacro %}

{% macro default__attribution_path_agg(measure, order_col) -%}
    {{ dbt.listagg(measure, "' > '", 'order by ' ~ order_col) }}
{%- endmacro %}

{% macro spark__attribution_path_agg(measure, order_col) -%}
    array_join(transform(array_sort(collect_list(named_struct('k', {{ order_col }}, 'v', {{ measure }}))), x -> x.v), ' > ')
{%- endmacro %}


{#- The journey a touch can belong to (int_attribution_journeys.journey_id): its user's if the
    touch is resolved to one, else its visitor's; the rule the journey joins follow, and the key
    of the journey models' key windows (incremental_by_key). `user_id`, `visitor_id`: columns. -#}
{% macro attribution_touch_journey_id(user_id='user_id', visitor_id='visitor_id') -%}
    coalesce({{ attribution_user_journey_id(user_id) }}, {{ attribution_visitor_journey_id(visitor_id) }})
{%- endmacro %}


{#- journey_id of a user's journeys, and of an anonymous visitor's. -#}
{% macro attribution_user_journey_id(user_id='user_id') -%}
    {{ dbt.concat(["'user:'", user_id]) }}
{%- endmacro %}

{% macro attribution_visitor_journey_id(visitor_id='visitor_id') -%}
    {{ dbt.concat(["'visitor:'", visitor_id]) }}
{%- endmacro %}
