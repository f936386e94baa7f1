-- Roll rates: for each month-end t (from the second reporting month on), the transitions of the
-- loans that were ACTIVE (M0..M4+) at month-end t-1 to their state at t
-- (M0, M1, M2, M3, M4+, charged_off, paid_off). Loans disbursed during month t have no t-1 state
-- and are not included; charged_off / paid_off are absorbing and not shown as from-states.
-- balance = outstanding principal at t-1; rates are shares of the from-state's loans / balance,
-- so each (month_end_date, from_state) sums to 1.
with transitions as (
    select
        month_end_date,
        lag(month_end_date) over (partition by loan_id order by month_end_date) as previous_month_end_date,
        lag(bucket) over (partition by loan_id order by month_end_date) as from_state,
        lag(outstanding_principal) over (partition by loan_id order by month_end_date) as from_balance,
        lag(is_active) over (partition by loan_id order by month_end_date) as was_active,
        bucket as to_state
    from {{ ref('int_risk_loan_month_end') }}
),

counted as (
    select
        month_end_date,
        previous_month_end_date,
        from_state,
        to_state,
        count(*) as loans,
        sum(from_balance) as balance
    from transitions
    where was_active
    group by month_end_date, previous_month_end_date, from_state, to_state
)

select
    cast(month_end_date as date) as month_end_date,
    cast(previous_month_end_date as date) as previous_month_end_date,
    cast(from_state as {{ dbt.type_string() }}) as from_state,
    cast({{ risk_state_name('from_state') }} as {{ dbt.type_string() }}) as from_state_name,
    cast(to_state as {{ dbt.type_string() }}) as to_state,
    cast({{ risk_state_name('to_state') }} as {{ dbt.type_string() }}) as to_state_name,
    cast(loans as bigint) as loans,
    cast(balance as decimal(18, 2)) as balance,
    cast(loans * 1.0 / sum(loans) over (partition by month_end_date, from_state) as double) as count_rate,
    cast(cast(balance as double) / sum(balance) over (partition by month_end_date, from_state) as double) as balance_rate
from counted
