{#- also_from of int_risk_loan_month_end (macro incremental_by_window): what the loads of loans,
    installments and repayments (the model's window sources) do not date.
    - The window starts at a month start (the table is replaced by whole months).
    - The as-of month: its month_end_date is the as-of date, so when the as-of date moves the
      stored as-of month and the new one change.
    - Loan-level attributes, compared with the stored rows (one set per loan): a loan that is new
      or gone, or whose product, channel, city tier, principal or disbursement month changed,
      changes from its disbursement month (the older of the stored and the new one). So does a
      changed paid-off or charge-off date: every row of the loan carries them (a month row's
      charge-off date may lie after its month-end: int_risk_pd_by_bucket looks 12 months ahead
      with it), so a loan paid off today changes its rows from disbursement on. A changed
      charge-off amount alone changes the months from the earlier of the stored and the new
      charge-off date (rows before it show 0). These come from applications, users and
      touchpoints too, whose loads may be dated long before (a corrected user) or not bound the
      loan at all. -#}
{% macro risk_loan_month_end_also_from(window_from) %}
    {%- set stored = this %}
    select {{ risk_month_start(window_from) }}
    union all
    select max(month_start_date) from {{ stored }}
    union all
    select {{ risk_month_start('as_of_date') }} from {{ ref('int_risk_as_of_date') }}
    union all
    select min({{ risk_month_start('changed_from') }})
    from (
        select
            case
                when s.loan_id is null or c.loan_id is null
                    or s.product is distinct from c.product
                    or s.acquisition_channel is distinct from c.acquisition_channel
                    or s.city_tier is distinct from c.city_tier
                    or s.principal is distinct from c.principal
                    or s.disbursed_month is distinct from c.disbursed_month
                    or s.paid_off_date is distinct from c.paid_off_date
                    or s.charge_off_date is distinct from c.charge_off_date
                    then least(coalesce(s.disbursed_month, c.disbursed_month),
                               coalesce(c.disbursed_month, s.disbursed_month))
                -- least() skips nulls on both engines
                when s.charge_off_amount is distinct from c.charge_off_amount
                    then least(s.charge_off_date, c.charge_off_date)
            end as changed_from
        from (
            select
                loan_id,
                max(product) as product,
                max(acquisition_channel) as acquisition_channel,
                max(city_tier) as city_tier,
                max(principal) as principal,
                max(disbursed_month) as disbursed_month,
                max(paid_off_date) as paid_off_date,
                max(charge_off_date) as charge_off_date,
                max(charge_off_amount) as charge_off_amount
            from {{ stored }}
            group by loan_id
        ) as s
        full outer join (
            select
                loan_id,
                cast(product as {{ dbt.type_string() }}) as product,
                cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
                cast(city_tier as integer) as city_tier,
                cast(principal as decimal(18, 2)) as principal,
                cast(disbursed_month as date) as disbursed_month,
                paid_off_date,
                charge_off_date,
                cast(case when charge_off_date is not null then charge_off_amount else 0 end
                     as decimal(18, 2)) as charge_off_amount
            from {{ ref('int_risk_loan_lifecycle') }}
        ) as c
            on c.loan_id = s.loan_id
    ) as changed
{% endmacro %}
