-- Compact daily history of every loan: loan x [valid_from, valid_to) on which the overdue anchor,
-- the loan state and the outstanding principal are all constant. For any day D (up to the
-- as-of date) in an interval: DPD(D) = D - overdue_anchor_date (0 when the anchor is null),
-- outstanding principal(D) = outstanding_principal. Covers every day from disbursement on; the
-- last interval of each loan is open (valid_to = 9999-12-31). Breakpoints: disbursement, overdue
-- interval bounds, days with principal paid, charge-off and paid-off dates -> a few rows per
-- installment, never one per day.
with loans as (
    select loan_id, principal, disbursed_date, paid_off_date, charge_off_date
    from {{ ref('int_risk_loan_lifecycle') }}
),

overdue as (
    select loan_id, overdue_anchor_date, valid_from, valid_to
    from {{ ref('int_risk_overdue_intervals') }}
),

events as (
    select loan_id, disbursed_date as event_date, cast(0 as decimal(18, 2)) as principal_paid
    from loans
    union all
    select o.loan_id, o.valid_from, cast(0 as decimal(18, 2)) from overdue as o
    union all
    select o.loan_id, o.valid_to, cast(0 as decimal(18, 2)) from overdue as o
    where o.valid_to < {{ risk_open_end() }}
    union all
    select loan_id, charge_off_date, cast(0 as decimal(18, 2)) from loans where charge_off_date is not null
    union all
    select loan_id, paid_off_date, cast(0 as decimal(18, 2)) from loans where paid_off_date is not null
    union all
    -- payments dated before disbursement are counted on the disbursement day
    select
        p.loan_id,
        case when p.paid_date < l.disbursed_date then l.disbursed_date else p.paid_date end,
        p.principal_paid
    from {{ ref('int_risk_loan_payments_daily') }} as p
    inner join loans as l on l.loan_id = p.loan_id
),

breakpoints as (
    select loan_id, event_date as valid_from, sum(principal_paid) as principal_paid_on_day
    from events
    group by loan_id, event_date
),

windowed as (
    select
        loan_id,
        valid_from,
        coalesce(
            lead(valid_from) over (partition by loan_id order by valid_from),
            {{ risk_open_end() }}
        ) as valid_to,
        sum(principal_paid_on_day) over (
            partition by loan_id order by valid_from
            rows between unbounded preceding and current row
        ) as principal_paid_to_date
    from breakpoints
),

with_anchor as (
    select
        w.loan_id,
        w.valid_from,
        w.valid_to,
        w.principal_paid_to_date,
        o.overdue_anchor_date
    from windowed as w
    left join overdue as o
        on o.loan_id = w.loan_id
       and o.valid_from <= w.valid_from
       and w.valid_from < o.valid_to
),

stated as (
    select
        a.*,
        l.principal,
        case
            when l.charge_off_date <= a.valid_from then 'charged_off'
            when l.paid_off_date <= a.valid_from then 'paid_off'
            else 'active'
        end as loan_state
    from with_anchor as a
    inner join loans as l on l.loan_id = a.loan_id
)

select
    loan_id,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    cast(overdue_anchor_date as date) as overdue_anchor_date,
    cast(case when overdue_anchor_date is null then 0
              else {{ risk_days_between('overdue_anchor_date', 'valid_from') }} end as integer)
        as dpd_at_valid_from,
    cast(loan_state as {{ dbt.type_string() }}) as loan_state,
    cast(case when loan_state = 'active' and principal - principal_paid_to_date > 0
              then principal - principal_paid_to_date else 0 end as decimal(18, 2)) as outstanding_principal,
    cast(principal_paid_to_date as decimal(18, 2)) as principal_paid_to_date
from stated
