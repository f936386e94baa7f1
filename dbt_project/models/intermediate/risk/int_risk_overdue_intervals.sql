-- Overdue intervals: loan x [valid_from, valid_to) during which the loan's overdue anchor
-- (the oldest due date among installments with due_date < D not paid off by the end of D) is
-- constant; DPD at the end of day D in the interval = D - overdue_anchor_date. Days outside
-- every interval have DPD 0. valid_to = 9999-12-31 while still overdue at the as-of date.
--
-- Method (no per-day expansion): an installment group (same due date) is overdue on the days
-- [due_date + 1, closed_date), closed_date = the day its last installment was paid off. It is the
-- anchor on the days when no OLDER group is still open, i.e. from the latest closed_date of all
-- older groups (running max). Hence interval = [max(due_date + 1, prior_closed), closed_date),
-- truncated at the loan's paid-off date (a paid-off loan has DPD 0).
-- Charge-off: the first day the DPD reaches 181 (within an interval DPD rises by 1 a day and
-- never jumps upwards across intervals, so this is anchor + 181 when that day is in the interval).
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

payoff as (
    select loan_id, paid_off_date from {{ ref('int_risk_loan_payoff') }}
),

due_groups as (
    select
        i.loan_id,
        i.due_date,
        max(coalesce(i.paid_off_date, {{ risk_open_end() }})) as closed_date
    from {{ ref('int_risk_installment_status') }} as i
    inner join payoff as p on p.loan_id = i.loan_id
    group by i.loan_id, i.due_date
),

with_prior as (
    select
        loan_id,
        due_date,
        closed_date,
        max(closed_date) over (
            partition by loan_id order by due_date
            rows between unbounded preceding and 1 preceding
        ) as prior_closed_date
    from due_groups
),

raw_intervals as (
    select
        loan_id,
        due_date as overdue_anchor_date,
        case
            when prior_closed_date is not null
                and prior_closed_date > {{ risk_add_days('due_date', 1) }} then prior_closed_date
            else {{ risk_add_days('due_date', 1) }}
        end as valid_from,
        closed_date as valid_to
    from with_prior
),

truncated as (
    select
        r.loan_id,
        r.overdue_anchor_date,
        r.valid_from,
        case
            when p.paid_off_date is not null and p.paid_off_date < r.valid_to then p.paid_off_date
            else r.valid_to
        end as valid_to
    from raw_intervals as r
    inner join payoff as p on p.loan_id = r.loan_id
),

kept as (
    select t.loan_id, t.overdue_anchor_date, t.valid_from, t.valid_to, a.as_of_date
    from truncated as t
    cross join as_of as a
    where t.valid_from < t.valid_to
      and t.valid_from <= a.as_of_date
),

with_charge_off as (
    select
        loan_id,
        overdue_anchor_date,
        valid_from,
        valid_to,
        as_of_date,
        case
            when {{ risk_add_days('overdue_anchor_date', 181) }} > valid_from
                then {{ risk_add_days('overdue_anchor_date', 181) }}
            else valid_from
        end as dpd_181_date
    from kept
)

select
    loan_id,
    cast(row_number() over (partition by loan_id order by valid_from) as integer) as interval_no,
    overdue_anchor_date,
    valid_from,
    valid_to,
    valid_to = {{ risk_open_end() }} as is_open,
    cast({{ risk_days_between('overdue_anchor_date', 'valid_from') }} as integer) as dpd_at_valid_from,
    -- highest DPD reached in the interval up to the as-of date
    cast(
        case
            when valid_to > as_of_date then {{ risk_days_between('overdue_anchor_date', 'as_of_date') }}
            else {{ risk_days_between('overdue_anchor_date', risk_add_days('valid_to', -1)) }}
        end as integer
    ) as max_dpd_to_as_of,
    case
        when dpd_181_date < valid_to and dpd_181_date <= as_of_date then dpd_181_date
    end as charge_off_date
from with_charge_off
