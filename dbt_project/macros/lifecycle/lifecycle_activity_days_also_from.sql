{#- also_from of int_lifecycle_activity_days (macro incremental_by_window): the two inputs whose
    change a load's dates do not bound:
    - the as-of date: rows after it are left out, so when it moves, the rows between the old and
      the new one change (the old one is at least the latest activity_date built so far);
    - a loan that changed (or disappeared) moves its repayments' activity to another user, and a
      repayment can be dated before its loan's disbursement. -#}
{% macro lifecycle_activity_days_also_from(window_from) %}
    select {{ dbt.dateadd('day', 1, 'as_of_date') }} from {{ ref('int_risk_as_of_date') }}
    union all
    select {{ dbt.dateadd('day', 1, 'max(activity_date)') }} from {{ this }}
    union all
    select min(r.paid_date)
    from {{ ref('stg_repayments') }} as r
    left join {{ ref('stg_loans') }} as l
        on l.loan_id = r.loan_id
    where l.loan_id is null or l.disbursed_date >= {{ window_from }}
{% endmacro %}
