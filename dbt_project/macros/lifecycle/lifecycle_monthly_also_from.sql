{#- also_from of int_lifecycle_user_months (macro incremental_by_window): what the loads of its
    window sources (app events, applications, loans, installments, repayments) do not date:
    - the window starts at a month start (the table is replaced by whole months);
    - the as-of month: its month_end_date is the as-of date, so when the as-of date moves the
      stored as-of month and the new one change;
    - a loan that changed (or disappeared) moves its repayments' activity and value to another
      user, and a repayment can be dated before its loan's disbursement (as in
      lifecycle_activity_days_also_from);
    - the user record and the acquisition touches, compared per user with the stored rows: a user
      who is new or gone, or whose registration day or acquisition channel changed, changes from
      the registration month (the older of the stored and the new one). A re-exported user with
      another city tier changes nothing here. The stored users are read from the last stored
      month: every stored user has a row in it (a user has a row for every month-end from the
      registration day on: the status intervals cover every day from registration), and a
      user's rows all carry the same registration day and channel. -#}
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
    union all
    select min({{ risk_month_start('least(coalesce(s.registered_date, c.registered_date), coalesce(c.registered_date, s.registered_date))') }})
    from (
        select user_id, registered_date, acquisition_channel
        from {{ this }}
        where month_start_date = (select max(month_start_date) from {{ this }})
    ) as s
    full outer join (
        select
            u.user_id,
            cast(u.registered_date as date) as registered_date,
            cast(acq.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel
        from {{ ref('stg_users') }} as u
        inner join {{ ref('int_user_acquisition') }} as acq
            on acq.user_id = u.user_id
    ) as c
        on c.user_id = s.user_id
    where s.user_id is null or c.user_id is null
       or s.registered_date is distinct from c.registered_date
       or s.acquisition_channel is distinct from c.acquisition_channel
{% endmacro %}
