-- Compact activity-status history of every user: user x [valid_from, valid_to) on which the
-- activity status and the outstanding-loan flag are constant, from the registration day on (last
-- interval open, valid_to = 9999-12-31). For a day D, with days since last activity = D - the
-- latest activity day <= D, the status is (definitions:
-- docs/lifecycle_definitions.md) = active when that is <= 30 days, else dormant when it is <= 90
-- days (counted from registration for a user never active yet) or the user owes an active loan,
-- else churned. Breakpoints: registration, each activity day a, a + 31, a + 91, registration + 91,
-- loan disbursement and loan end (paid off / charged off), so the status never changes inside an
-- interval; consecutive intervals with equal values are merged (a few rows per lapse of activity,
-- not one per activity day and never one per day).
{{ config(**incremental_by_key('user_id')) }}
{%- set active_days = var('lifecycle_active_days', 30) %}
{%- set dormant_days = var('lifecycle_dormant_days', 90) %}

with users as (
    select user_id, registered_date from {{ ref('stg_users') }} {{ key_window_where('user_id') }}
),

activity as (
    select a.user_id, a.activity_date
    from {{ ref('int_lifecycle_activity_days') }} as a {{ key_window_where('a.user_id') }}
),

loans as (
    select
        user_id,
        disbursed_date,
        case
            when charge_off_date is not null and (paid_off_date is null or charge_off_date < paid_off_date)
                then charge_off_date
            else paid_off_date
        end as closed_date
    from {{ ref('int_risk_loan_lifecycle') }} {{ key_window_where('user_id') }}
),

events as (
    select user_id, registered_date as event_date, 0 as is_activity, 0 as loan_delta from users
    union all
    select user_id, {{ risk_add_days('registered_date', dormant_days + 1) }}, 0, 0 from users
    union all
    select user_id, activity_date, 1, 0 from activity
    union all
    select user_id, {{ risk_add_days('activity_date', active_days + 1) }}, 0, 0 from activity
    union all
    select user_id, {{ risk_add_days('activity_date', dormant_days + 1) }}, 0, 0 from activity
    union all
    select user_id, disbursed_date, 0, 1 from loans
    union all
    select user_id, closed_date, 0, -1 from loans where closed_date is not null
),

breakpoints as (
    -- an event dated before registration (e.g. a loan disbursed before a late registration
    -- record) counts on the registration day, so loan openings and closings stay paired
    select
        e.user_id,
        case when e.event_date < u.registered_date then u.registered_date else e.event_date end as valid_from,
        max(e.is_activity) as is_activity,
        sum(e.loan_delta) as loan_delta
    from events as e
    inner join users as u
        on u.user_id = e.user_id
    group by e.user_id, case when e.event_date < u.registered_date then u.registered_date else e.event_date end
),

running as (
    select
        b.user_id,
        b.valid_from,
        u.registered_date,
        max(case when b.is_activity = 1 then b.valid_from end) over (
            partition by b.user_id order by b.valid_from
            rows between unbounded preceding and current row
        ) as last_activity_date,
        sum(b.loan_delta) over (
            partition by b.user_id order by b.valid_from
            rows between unbounded preceding and current row
        ) as open_loans
    from breakpoints as b
    inner join users as u
        on u.user_id = b.user_id
),

stated as (
    select
        user_id,
        valid_from,
        last_activity_date,
        open_loans > 0 as has_outstanding_loan,
        case
            when last_activity_date is not null
                 and {{ risk_days_between('last_activity_date', 'valid_from') }} <= {{ active_days }}
                then 'active'
            when open_loans > 0
                 or {{ risk_days_between('coalesce(last_activity_date, registered_date)', 'valid_from') }}
                    <= {{ dormant_days }}
                then 'dormant'
            else 'churned'
        end as activity_status
    from running
),

-- merge consecutive breakpoints that change nothing (e.g. a + 31 when the user was back earlier)
flagged as (
    select
        s.*,
        case
            when lag(activity_status) over (partition by user_id order by valid_from) = activity_status
             and lag(has_outstanding_loan) over (partition by user_id order by valid_from) = has_outstanding_loan
                then 0
            else 1
        end as is_change
    from stated as s
),

changes as (
    select user_id, valid_from, has_outstanding_loan, activity_status
    from flagged
    where is_change = 1
)

select
    user_id,
    cast(valid_from as date) as valid_from,
    cast(coalesce(
        lead(valid_from) over (partition by user_id order by valid_from),
        {{ risk_open_end() }}
    ) as date) as valid_to,
    cast(activity_status as {{ dbt.type_string() }}) as activity_status,
    has_outstanding_loan
from changes
