-- Loan x reporting month-end (from the disbursement month to the as-of month; closed loans stay
-- in the grid with their terminal state so cohorts keep a constant denominator).
-- ~ loans x months since disbursement rows: no per-day expansion; DPD comes from the overdue
-- intervals, principal from monthly payment totals accumulated over the grid.
--
-- Incremental by month_start_date (docs/incremental.md): a month-end row is made of the loan's
-- payments, installments and overdue intervals dated up to that month-end (a change dated D
-- changes the months from D's month on: the window, from the loads of loans, installments and
-- repayments) and of loan-level attributes (segment, principal, paid-off and charge-off dates)
-- that a load of any age can change; risk_loan_month_end_also_from compares those with the
-- stored rows and moves the window to the first month a changed loan's rows differ, and to the
-- stored and the new as-of month (its month_end_date is the as-of date).
-- depends_on: {{ ref('int_risk_as_of_date') }}
{{ config(**incremental_by_window('month_start_date', also_from='risk_loan_month_end_also_from',
                                  sources=['installments', 'loans', 'repayments'])) }}
{%- set window_from = incremental_window() %}
with loans as (
    select * from {{ ref('int_risk_loan_lifecycle') }}
),

month_ends as (
    select month_index, month_start_date, month_end_date, is_complete_month
    from {{ ref('int_risk_month_ends') }}
    {{ window_where('month_start_date', window_from) }}
),

grid as (
    select
        l.loan_id,
        l.product,
        l.acquisition_channel,
        l.city_tier,
        l.disbursed_date,
        l.disbursed_month,
        l.principal,
        l.paid_off_date,
        l.charge_off_date,
        l.charge_off_amount,
        m.month_start_date,
        m.month_end_date,
        m.is_complete_month,
        {{ dbt.datediff('l.disbursed_month', 'm.month_start_date', 'month') }} as months_on_book
    from loans as l
    inner join month_ends as m
        on m.month_end_date >= l.disbursed_date
),

-- payments per loan and month (a payment dated before disbursement counts in the first month)
monthly_payments as (
    select
        p.loan_id,
        {{ risk_month_start('case when p.paid_date < l.disbursed_date then l.disbursed_date else p.paid_date end') }}
            as month_start_date,
        sum(p.principal_paid) as principal_paid,
        sum(case when p.paid_date > l.charge_off_date then p.principal_paid else 0 end) as recoveries
    from {{ ref('int_risk_loan_payments_daily') }} as p
    inner join loans as l on l.loan_id = p.loan_id
    group by
        p.loan_id,
        {{ risk_month_start('case when p.paid_date < l.disbursed_date then l.disbursed_date else p.paid_date end') }}
),

-- payments of the months before the window (their running totals start the window's)
prior_payments as (
    select
        loan_id,
        sum(principal_paid) as principal_paid,
        sum(recoveries) as recoveries
    from monthly_payments
    {%- if window_from is not none %}
    where month_start_date < {{ window_from }}
    {%- else %}
    where 1 = 0
    {%- endif %}
    group by loan_id
),

-- DPD at the month-end and the highest DPD reached up to it, from the overdue intervals
dpd as (
    select
        g.loan_id,
        g.month_end_date,
        max(case when o.valid_to > g.month_end_date
                 then {{ risk_days_between('o.overdue_anchor_date', 'g.month_end_date') }} end) as dpd,
        max(case when o.valid_to > g.month_end_date
                 then {{ risk_days_between('o.overdue_anchor_date', 'g.month_end_date') }}
                 else {{ risk_days_between('o.overdue_anchor_date', risk_add_days('o.valid_to', -1)) }}
            end) as max_dpd_to_date
    from grid as g
    inner join {{ ref('int_risk_overdue_intervals') }} as o
        on o.loan_id = g.loan_id
       and o.valid_from <= g.month_end_date
    group by g.loan_id, g.month_end_date
),

combined as (
    select
        g.*,
        coalesce(mp.principal_paid, 0) as principal_paid_in_month,
        coalesce(mp.recoveries, 0) as recoveries_in_month,
        coalesce(pp.principal_paid, 0) + sum(coalesce(mp.principal_paid, 0)) over (
            partition by g.loan_id order by g.month_end_date
            rows between unbounded preceding and current row
        ) as principal_paid_to_date,
        coalesce(pp.recoveries, 0) + sum(coalesce(mp.recoveries, 0)) over (
            partition by g.loan_id order by g.month_end_date
            rows between unbounded preceding and current row
        ) as recoveries_to_date,
        coalesce(d.dpd, 0) as dpd,
        coalesce(d.max_dpd_to_date, 0) as max_dpd_to_date,
        coalesce(g.charge_off_date <= g.month_end_date, false) as is_charged_off,
        coalesce(g.paid_off_date <= g.month_end_date, false)
            and not coalesce(g.charge_off_date <= g.month_end_date, false) as is_paid_off
    from grid as g
    left join monthly_payments as mp
        on mp.loan_id = g.loan_id and mp.month_start_date = g.month_start_date
    left join dpd as d
        on d.loan_id = g.loan_id and d.month_end_date = g.month_end_date
    left join prior_payments as pp
        on pp.loan_id = g.loan_id
),

stated as (
    select
        *,
        case
            when is_charged_off then 'charged_off'
            when is_paid_off then 'paid_off'
            else {{ risk_dpd_bucket('dpd') }}
        end as loan_state
    from combined
)

select
    loan_id,
    cast(month_end_date as date) as month_end_date,
    cast(month_start_date as date) as month_start_date,
    is_complete_month,
    cast(disbursed_month as date) as disbursed_month,
    cast(months_on_book as integer) as months_on_book,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(city_tier as integer) as city_tier,
    cast(principal as decimal(18, 2)) as principal,
    cast(case when loan_state in ('charged_off', 'paid_off') then 0
              when principal - principal_paid_to_date > 0 then principal - principal_paid_to_date
              else 0 end as decimal(18, 2)) as outstanding_principal,
    cast(dpd as integer) as dpd,
    cast(loan_state as {{ dbt.type_string() }}) as bucket,
    cast({{ risk_state_name('loan_state') }} as {{ dbt.type_string() }}) as bucket_name,
    cast(max_dpd_to_date as integer) as max_dpd_to_date,
    cast(loan_state not in ('charged_off', 'paid_off') as boolean) as is_active,
    cast(is_charged_off as boolean) as is_charged_off,
    cast(charge_off_date as date) as charge_off_date,
    cast(case when is_charged_off then charge_off_amount else 0 end as decimal(18, 2)) as charge_off_amount,
    cast(case when is_charged_off and charge_off_date >= month_start_date then charge_off_amount else 0 end
         as decimal(18, 2)) as charge_off_amount_in_month,
    cast(recoveries_to_date as decimal(18, 2)) as recoveries_to_date,
    cast(recoveries_in_month as decimal(18, 2)) as recoveries_in_month,
    cast(is_paid_off as boolean) as is_paid_off,
    cast(paid_off_date as date) as paid_off_date,
    cast(principal_paid_to_date as decimal(18, 2)) as principal_paid_to_date,
    cast(principal_paid_in_month as decimal(18, 2)) as principal_paid_in_month
from stated
