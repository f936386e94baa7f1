{#- also_from of mart_user_lifecycle_monthly (macro incremental_by_window): what else changes its
    months besides the records dated in the load window:
    - the window starts at a month start (the table is replaced by whole months);
    - the as-of month: its month_end_date is the as-of date, so when the as-of date moves the
      stored as-of month and the new one change;
    - a loan that changed (or disappeared) moves its repayments' activity and value to another
      user, and a repayment can be dated before its loan's disbursement (as in
      lifecycle_activity_days_also_from). -#}
{% macro lifecycle_monthly_also_from(window_from) %}
    select {{ risk_month_start(window_from) }}
    union all
    select max(month_start_date) from {{ this }}
    union all
    select {{ risk_month_start('as_of_date') }} from {{ ref('int_risk_as_of_date') }}
    union all
    select {{ risk_month_start('min(r.paid_date)') }}
    from {{ ref('stg_repayments') }} as r
    left join {{ ref('stg_loans') }} as l
        on l.loan_id = r.loan_id
    where l.loan_id is null or l.disbursed_date >= {{ window_from }}
{% endmacro %}
