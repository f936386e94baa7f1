-- Activity (docs/lifecycle_definitions.md): a user is active on a local day with an app event,
-- an application or a repayment that day. One row per user and activity day, from the
-- registration day through the as-of date. Sparse: only days with activity, never a user x day grid.
-- Incremental by activity_date (docs/incremental.md): a row dated D is made of rows dated D and of
-- the user (registered on or before D) and the loan behind a repayment; the window is widened for
-- what a load cannot date (lifecycle_activity_days_also_from).
{{ config(**incremental_by_window('activity_date', also_from='lifecycle_activity_days_also_from')) }}
{%- set window_from = incremental_window() %}
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

events as (
    select user_id, occurred_date as activity_date, 1 as app_event, 0 as application, 0 as repayment
    from {{ ref('stg_app_events') }}
    {{ window_where('occurred_date', window_from) }}
    union all
    select user_id, applied_date, 0, 1, 0
    from {{ ref('stg_applications') }}
    {{ window_where('applied_date', window_from) }}
    union all
    select l.user_id, r.paid_date, 0, 0, 1
    from {{ ref('stg_repayments') }} as r
    inner join {{ ref('stg_loans') }} as l
        on l.loan_id = r.loan_id
    {{ window_where('r.paid_date', window_from) }}
)

select
    e.user_id,
    cast(e.activity_date as date) as activity_date,
    max(e.app_event) = 1 as has_app_event,
    max(e.application) = 1 as has_application,
    max(e.repayment) = 1 as has_repayment
from events as e
inner join {{ ref('stg_users') }} as u
    on u.user_id = e.user_id
cross join as_of as a
where e.activity_date >= u.registered_date
  and e.activity_date <= a.as_of_date
group by e.user_id, e.activity_date
