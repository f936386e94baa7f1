-- Stage transition matrix month over month: for each month-end t (from the second reporting month
-- on), the loans that had a stage at t-1 (a balance: int_ecl_loan_month_end) by their state at t:
-- stage_1, stage_2, stage_3, or, without a balance at t, the risk marts' terminal state (paid_off,
-- charged_off). balance = gross carrying amount at t-1; count_rate and balance_rate are shares of
-- the from-stage, so each (month_end_date, from_stage) sums to 1. Loans disbursed during month t
-- have no t-1 stage and are not included. Like mart_roll_rates, only observed transitions have rows.
with states as (
    select
        f.loan_id,
        f.month_end_date,
        case
            when e.stage = 1 then 'stage_1'
            when e.stage = 2 then 'stage_2'
            when e.stage = 3 then 'stage_3'
            else f.bucket
        end as state,
        e.stage,
        e.ead
    from {{ ref('fct_loan_month_end') }} as f
    left join {{ ref('int_ecl_loan_month_end') }} as e
        on e.loan_id = f.loan_id
       and e.month_end_date = f.month_end_date
),

transitions as (
    select
        month_end_date,
        lag(month_end_date) over (partition by loan_id order by month_end_date) as previous_month_end_date,
        lag(stage) over (partition by loan_id order by month_end_date) as from_stage,
        lag(ead) over (partition by loan_id order by month_end_date) as from_balance,
        state as to_state
    from states
),

counted as (
    select
        month_end_date,
        previous_month_end_date,
        from_stage,
        to_state,
        count(*) as loans,
        sum(from_balance) as balance
    from transitions
    where from_stage is not null
    group by month_end_date, previous_month_end_date, from_stage, to_state
)

select
    cast(month_end_date as date) as month_end_date,
    cast(previous_month_end_date as date) as previous_month_end_date,
    cast(from_stage as integer) as from_stage,
    cast(to_state as {{ dbt.type_string() }}) as to_state,
    cast(loans as bigint) as loans,
    cast(balance as decimal(18, 2)) as balance,
    cast(cast(loans as double) / sum(loans) over (partition by month_end_date, from_stage) as double) as count_rate,
    cast(cast(balance as double) / sum(balance) over (partition by month_end_date, from_stage) as double)
        as balance_rate
from counted
