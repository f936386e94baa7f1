-- Risk-adjusted value flows of every borrower by local day (definitions:
-- docs/lifecycle_definitions.md, "User value"): interest, fees and penalties paid on each payment
-- day; the charge-off amount on the charge-off day; recoveries (principal paid on days after the
-- charge-off day, as in int_risk_loan_lifecycle) on their payment day.
-- value = interest + fees + penalties - (charge-offs - recoveries). One row per user and day with
-- a flow, through the as-of date (the risk models already cut at it).
with loans as (
    select loan_id, user_id, charge_off_date, charge_off_amount
    from {{ ref('int_risk_loan_lifecycle') }}
),

flows as (
    select
        l.user_id,
        p.paid_date as event_date,
        p.interest_paid,
        p.fee_paid,
        p.penalty_paid,
        cast(0 as decimal(18, 2)) as charge_off_amount,
        case when p.paid_date > l.charge_off_date then p.principal_paid else 0 end as recoveries
    from {{ ref('int_risk_loan_payments_daily') }} as p
    inner join loans as l
        on l.loan_id = p.loan_id
    union all
    select
        user_id,
        charge_off_date,
        cast(0 as decimal(18, 2)),
        cast(0 as decimal(18, 2)),
        cast(0 as decimal(18, 2)),
        charge_off_amount,
        cast(0 as decimal(18, 2))
    from loans
    where charge_off_date is not null
),

daily as (
    select
        user_id,
        event_date,
        sum(interest_paid) as interest_paid,
        sum(fee_paid) as fee_paid,
        sum(penalty_paid) as penalty_paid,
        sum(charge_off_amount) as charge_off_amount,
        sum(recoveries) as recoveries
    from flows
    group by user_id, event_date
)

select
    user_id,
    cast(event_date as date) as event_date,
    cast(interest_paid as decimal(18, 2)) as interest_paid,
    cast(fee_paid as decimal(18, 2)) as fee_paid,
    cast(penalty_paid as decimal(18, 2)) as penalty_paid,
    cast(charge_off_amount as decimal(18, 2)) as charge_off_amount,
    cast(recoveries as decimal(18, 2)) as recoveries,
    cast(interest_paid + fee_paid + penalty_paid - (charge_off_amount - recoveries) as decimal(18, 2))
        as net_value
from daily
