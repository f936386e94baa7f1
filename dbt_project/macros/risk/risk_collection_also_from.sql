{#- also_from of the collection models (int_risk_collection_actions_flagged,
    int_risk_collection_loan_daily; macro incremental_by_window): an action's borrower is its
    loan's user, and a changed loan is dated by the loan, from its disbursement on; an action
    dated before that (a faulty export) or whose loan is gone from staging (its borrower falls
    back to the loan) would be outside the window: the earliest such action bounds it too. None
    in the simulated data; the query is one anti-join of the actions with the loans. -#}
{% macro risk_collection_also_from(window_from) %}
    select min(c.action_date)
    from {{ ref('stg_collection_actions') }} as c
    left join {{ ref('stg_loans') }} as l
        on l.loan_id = c.loan_id
    where c.action_date < {{ window_from }}
      and (l.loan_id is null or l.disbursed_date >= {{ window_from }})
{% endmacro %}
