{{ config(meta={"dagster": {"ref": {"name": "mart_ecl_stage_transitions"}}}) }}
-- The stage transition matrix accounts for every loan with a stage at the previous month-end: per
-- month-end and from-stage, its loans and balance equal that stage's loans and gross carrying
-- amount at the previous month-end (mart_ecl_monthly), and its rates sum to 1.
with transitions as (
    select
        month_end_date,
        previous_month_end_date,
        from_stage,
        sum(loans) as loans,
        sum(balance) as balance,
        sum(count_rate) as count_rate,
        sum(balance_rate) as balance_rate
    from {{ ref('mart_ecl_stage_transitions') }}
    group by month_end_date, previous_month_end_date, from_stage
),

stages as (
    select month_end_date, stage, sum(loans) as loans, sum(gross_carrying_amount) as gross_carrying_amount
    from {{ ref('mart_ecl_monthly') }}
    group by month_end_date, stage
),

month_ends as (
    select
        month_end_date,
        lead(month_end_date) over (order by month_end_date) as next_month_end_date
    from {{ ref('int_risk_month_ends') }}
)

select s.month_end_date, s.stage, s.loans, t.loans as transition_loans
from stages as s
inner join month_ends as m
    on m.month_end_date = s.month_end_date
left join transitions as t
    on t.previous_month_end_date = s.month_end_date
   and t.from_stage = s.stage
where m.next_month_end_date is not null
  and (t.loans is null
       or t.loans <> s.loans
       or abs(t.balance - s.gross_carrying_amount) > 0.005
       or abs(t.count_rate - 1) > 1e-9
       or abs(t.balance_rate - 1) > 1e-9)
