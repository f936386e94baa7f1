-- One row per borrower (a user with a loan disbursed on or before the as-of date): loans,
-- principal, interest, fees, penalties, charge-offs, recoveries, net value to date and the
-- cumulative net value 3, 6 and 12 months after the first disbursement (definitions:
-- docs/lifecycle_definitions.md, "User value"). value_Nm counts the flows dated in
-- [first_disbursed_date, first_disbursed_date + N months) and is null until that window has been
-- fully observed (first_disbursed_date + N months - 1 day <= as-of date).
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

loans as (
    select
        user_id,
        count(*) as loans,
        sum(principal) as principal,
        min(disbursed_date) as first_disbursed_date
    from {{ ref('int_risk_loan_lifecycle') }}
    group by user_id
),

windows as (
    select
        l.*,
        a.as_of_date,
        {{ risk_add_months('l.first_disbursed_date', 3) }} as end_3m,
        {{ risk_add_months('l.first_disbursed_date', 6) }} as end_6m,
        {{ risk_add_months('l.first_disbursed_date', 12) }} as end_12m
    from loans as l
    cross join as_of as a
),

flows as (
    select
        w.user_id,
        sum(coalesce(v.interest_paid, 0)) as interest_paid,
        sum(coalesce(v.fee_paid, 0)) as fees_paid,
        sum(coalesce(v.penalty_paid, 0)) as penalties_paid,
        sum(coalesce(v.charge_off_amount, 0)) as charge_offs,
        sum(coalesce(v.recoveries, 0)) as recoveries,
        sum(coalesce(v.net_value, 0)) as net_value_to_date,
        sum(case when v.event_date < w.end_3m then v.net_value else 0 end) as value_3m_sum,
        sum(case when v.event_date < w.end_6m then v.net_value else 0 end) as value_6m_sum,
        sum(case when v.event_date < w.end_12m then v.net_value else 0 end) as value_12m_sum
    from windows as w
    left join {{ ref('int_lifecycle_value_events') }} as v
        on v.user_id = w.user_id
    group by w.user_id
)

select
    cast(w.user_id as {{ dbt.type_string() }}) as user_id,
    cast(w.first_disbursed_date as date) as first_disbursed_date,
    cast(w.loans as integer) as loans,
    cast(w.principal as decimal(18, 2)) as principal,
    cast(f.interest_paid as decimal(18, 2)) as interest_paid,
    cast(f.fees_paid as decimal(18, 2)) as fees_paid,
    cast(f.penalties_paid as decimal(18, 2)) as penalties_paid,
    cast(f.charge_offs as decimal(18, 2)) as charge_offs,
    cast(f.recoveries as decimal(18, 2)) as recoveries,
    cast(f.net_value_to_date as decimal(18, 2)) as net_value_to_date,
    cast(case when w.end_3m <= {{ risk_add_days('w.as_of_date', 1) }} then f.value_3m_sum end as decimal(18, 2))
        as value_3m,
    cast(case when w.end_6m <= {{ risk_add_days('w.as_of_date', 1) }} then f.value_6m_sum end as decimal(18, 2))
        as value_6m,
    cast(case when w.end_12m <= {{ risk_add_days('w.as_of_date', 1) }} then f.value_12m_sum end as decimal(18, 2))
        as value_12m,
    cast(w.as_of_date as date) as as_of_date
from windows as w
inner join flows as f
    on f.user_id = w.user_id
