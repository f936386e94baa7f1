{#- also_from of int_ml_churn_snapshots (macro incremental_by_window): what else changes its rows
    besides the records dated in the load window of its window sources (app events,
    applications, loans, installments, repayments):
    - the label counts app events up to churn_label_days after the snapshot, so a record dated d
      changes the snapshots from d - churn_label_days on;
    - a complete month-end up to the as-of date is a snapshot: when the as-of date moves forward
      the month-ends after the newest stored snapshot appear, when it moves back the snapshots
      after it vanish. An empty table rebuilds from the start;
    - the lifecycle tier, which a user record can change from the registration month (a
      re-exported user is dated by its registration, often months back, and rarely changes it):
      the first stored snapshot whose tier is no longer the lifecycle's. -#}
{% macro ml_churn_snapshots_also_from(window_from) %}
    select {{ risk_add_days(window_from, -var('churn_label_days')) }}
    union all
    select coalesce({{ risk_add_days('max(snapshot_date)', 1) }}, cast('0001-01-01' as date)) from {{ this }}
    union all
    select {{ risk_add_days('as_of_date', 1) }} from {{ ref('int_risk_as_of_date') }}
    union all
    select min(s.snapshot_date)
    from {{ this }} as s
    left join {{ ref('int_lifecycle_user_months') }} as l
        on l.user_id = s.user_id
       and l.month_end_date = s.snapshot_date
    where s.tier <> coalesce(l.tier, 'unknown')
{% endmacro %}
