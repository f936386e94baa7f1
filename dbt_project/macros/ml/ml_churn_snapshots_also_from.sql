{#- also_from of int_ml_churn_snapshots (macro incremental_by_window): what else changes its rows
    besides the records dated in the load window:
    - the label counts app events up to churn_label_days after the snapshot, so a record dated d
      changes the snapshots from d - churn_label_days on;
    - a complete month-end up to the as-of date is a snapshot: when the as-of date moves forward
      the month-ends after the newest stored snapshot appear, when it moves back the snapshots
      after it vanish. An empty table rebuilds from the start. -#}
{% macro ml_churn_snapshots_also_from(window_from) %}
    select {{ risk_add_days(window_from, -var('churn_label_days')) }}
    union all
    select coalesce({{ risk_add_days('max(snapshot_date)', 1) }}, cast('0001-01-01' as date)) from {{ this }}
    union all
    select {{ risk_add_days('as_of_date', 1) }} from {{ ref('int_risk_as_of_date') }}
{% endmacro %}
