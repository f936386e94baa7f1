-- User x reporting month-end (int_lifecycle_month_ends) from the registration month on: lifecycle
-- stage, days since last activity and tier (definitions: mart_user_lifecycle_monthly.yml,
-- docs/lifecycle_definitions.md), published by the view mart_user_lifecycle_monthly.
-- Month-end rows are looked up in the compact status history (int_lifecycle_status_intervals),
-- loan positions come from the risk grid int_risk_loan_month_end (fct_loan_month_end; DPD is not
-- recomputed here).
--
-- Incremental by month_start_date (docs/incremental.md): a month-end row is made of records dated
-- up to that month-end (activity, value flows, loan positions), so a change dated D changes the
-- months from D's month on: the loads of those sources date the window. The user record and the
-- acquisition touches (registration day, acquisition channel) are compared per user with the
-- stored rows instead (a re-exported user is dated by its registration, often months back, and
-- rarely changes either); lifecycle_monthly_also_from also adds the stored and the new as-of
-- month (its month_end_date is the as-of date) and the repayments of loans that changed. The
-- window's grid continues from the stored rows before it, which are what a full build writes:
-- the month before the window gives the previous stage, the status the reactivation test looks
-- back at, the value to date and the last activity day; the stored month 12 months before a
-- window month gives the trailing value's subtrahend. A day costs the window's months of grid
-- and one stored month per window month, whatever the history's length.
-- depends_on: {{ ref('int_risk_as_of_date') }} {{ ref('stg_repayments') }} {{ ref('stg_loans') }}
{{ config(**incremental_by_window('month_start_date', also_from='lifecycle_monthly_also_from',
                                  sources=['app_events', 'applications', 'installments', 'loans',
                                           'repayments'])) }}
{%- set window_from = incremental_window() %}
{%- set quiet_days = var('lifecycle_quiet_days', 14) %}
{%- set high_value_share = var('lifecycle_high_value_share', 0.1) %}

with users as (
    select u.user_id, u.registered_date, acq.acquisition_channel
    from {{ ref('stg_users') }} as u
    inner join {{ ref('int_user_acquisition') }} as acq
        on acq.user_id = u.user_id
),

month_ends as (
    select month_start_date, month_end_date, is_complete_month
    from {{ ref('int_lifecycle_month_ends') }}
    {{ window_where('month_start_date', window_from) }}
),

{%- if window_from is not none %}

-- the stored month before the window (incremental runs): where the window's rows continue from
stored_before as (
    select
        user_id,
        case when month_start_date = registration_month then 'new' else activity_status end
            as status_or_new,
        stage,
        value_to_date,
        last_activity_date
    from {{ this }}
    where month_start_date = {{ risk_add_months(window_from, -1) }}
),

-- the stored value to date 12 months before each window month (the trailing value's
-- subtrahend; a window month 12 or more months after the window's start finds it in the batch)
stored_year_back as (
    select user_id, month_start_date, value_to_date
    from {{ this }}
    where month_start_date >= {{ risk_add_months(window_from, -12) }}
      and month_start_date < {{ window_from }}
),
{%- endif %}

grid as (
    select
        u.user_id,
        u.registered_date,
        u.acquisition_channel,
        m.month_start_date,
        m.month_end_date,
        m.is_complete_month,
        {{ risk_month_start('u.registered_date') }} as registration_month
    from users as u
    inner join month_ends as m
        on m.month_end_date >= u.registered_date
),

with_status as (
    select
        g.*,
        s.activity_status,
        s.has_outstanding_loan
    from grid as g
    inner join {{ ref('int_lifecycle_status_intervals') }} as s
        on s.user_id = g.user_id
       and s.valid_from <= g.month_end_date
       and g.month_end_date < s.valid_to
),

staged as (
    select
        w.*,
        {%- if window_from is not none %}
        sb.stage as stage_before,
        sb.value_to_date as value_before,
        sb.last_activity_date as last_activity_before,
        {%- endif %}
        case
            when w.month_start_date = w.registration_month then 'new'
            when w.activity_status = 'active'
             and {% if window_from is not none %}coalesce({% endif %}lag(
                    case when w.month_start_date = w.registration_month then 'new' else w.activity_status end
                 ) over (partition by w.user_id order by w.month_end_date)
                 {%- if window_from is not none %}, sb.status_or_new){% endif %} in ('dormant', 'churned')
                then 'reactivated'
            else w.activity_status
        end as stage
    from with_status as w
    {%- if window_from is not none %}
    left join stored_before as sb
        on sb.user_id = w.user_id
    {%- endif %}
),

-- loan position of the user at the month-end, from the risk grid
loan_month_end as (
    select
        l.user_id,
        f.month_end_date,
        sum(case when f.is_active then 1 else 0 end) as active_loans,
        max(case when f.is_active then f.dpd else 0 end) as max_dpd,
        max(case when f.is_charged_off then 1 else 0 end) as has_charged_off,
        max(f.max_dpd_to_date) as max_dpd_ever
    from {{ ref('int_risk_loan_month_end') }} as f
    inner join {{ ref('int_risk_loan_lifecycle') }} as l
        on l.loan_id = f.loan_id
    {{ window_where('f.month_end_date', window_from) }}
    group by l.user_id, f.month_end_date
),

-- latest activity day per user and month; carried forward on the grid below
activity_monthly as (
    select
        user_id,
        {{ risk_month_start('activity_date') }} as month_start_date,
        max(activity_date) as last_activity_in_month
    from {{ ref('int_lifecycle_activity_days') }}
    {{ window_where('activity_date', window_from) }}
    group by user_id, {{ risk_month_start('activity_date') }}
),

value_monthly as (
    select
        user_id,
        {{ risk_month_start('event_date') }} as month_start_date,
        sum(net_value) as net_value
    from {{ ref('int_lifecycle_value_events') }}
    {{ window_where('event_date', window_from) }}
    group by user_id, {{ risk_month_start('event_date') }}
),

enriched as (
    select
        s.*,
        {%- if window_from is not none %}
        coalesce(lag(s.stage) over (partition by s.user_id order by s.month_end_date), s.stage_before)
            as previous_stage,
        {%- else %}
        lag(s.stage) over (partition by s.user_id order by s.month_end_date) as previous_stage,
        {%- endif %}
        lm.user_id is not null as is_borrower,
        coalesce(lm.active_loans, 0) as active_loans,
        coalesce(lm.max_dpd, 0) as max_dpd,
        coalesce(lm.has_charged_off, 0) = 1 as has_charged_off,
        coalesce(lm.max_dpd_ever, 0) as max_dpd_ever,
        {%- if window_from is not none %}
        coalesce(s.value_before, 0) +
        {%- endif %}
        sum(coalesce(v.net_value, 0)) over (
            partition by s.user_id order by s.month_end_date
            rows between unbounded preceding and current row
        ) as value_to_date,
        {%- if window_from is not none %}
        coalesce(
            max(am.last_activity_in_month) over (
                partition by s.user_id order by s.month_end_date
                rows between unbounded preceding and current row
            ),
            s.last_activity_before
        ) as last_activity_date
        {%- else %}
        max(am.last_activity_in_month) over (
            partition by s.user_id order by s.month_end_date
            rows between unbounded preceding and current row
        ) as last_activity_date
        {%- endif %}
    from staged as s
    left join loan_month_end as lm
        on lm.user_id = s.user_id
       and lm.month_end_date = s.month_end_date
    left join activity_monthly as am
        on am.user_id = s.user_id
       and am.month_start_date = s.month_start_date
    left join value_monthly as v
        on v.user_id = s.user_id
       and v.month_start_date = s.month_start_date
),

with_trailing as (
    select
        e.*,
        e.value_to_date - coalesce(
            lag(e.value_to_date, 12) over (partition by e.user_id order by e.month_end_date),
            {%- if window_from is not none %}
            yb.value_to_date,
            {%- endif %}
            0
        ) as value_trailing_12m
    from enriched as e
    {%- if window_from is not none %}
    left join stored_year_back as yb
        on yb.user_id = e.user_id
       and yb.month_start_date = {{ risk_add_months('e.month_start_date', -12) }}
    {%- endif %}
),

ranked as (
    select
        t.*,
        case
            when t.is_borrower
                then cume_dist() over (
                    partition by t.month_end_date, t.is_borrower order by t.value_trailing_12m desc
                )
        end as value_rank_share
    from with_trailing as t
),

tiered as (
    select
        r.*,
        case
            when r.max_dpd > {{ var('risk_delinquent_dpd') }} or r.has_charged_off then 'delinquent'
            when r.max_dpd >= 1 then 'at_risk'
            when r.activity_status = 'active'
             and {{ risk_days_between('r.last_activity_date', 'r.month_end_date') }} > {{ quiet_days }}
                then 'at_risk'
            when r.activity_status = 'active'
             and r.is_borrower
             and r.max_dpd_ever <= {{ var('risk_delinquent_dpd') }}
             and r.value_trailing_12m > 0
             and r.value_rank_share <= {{ high_value_share }}
                then 'high_value'
            when r.activity_status = 'active' then 'healthy'
            else r.activity_status
        end as tier
    from ranked as r
)

select
    cast(user_id as {{ dbt.type_string() }}) as user_id,
    cast(month_end_date as date) as month_end_date,
    cast(month_start_date as date) as month_start_date,
    is_complete_month,
    cast(registered_date as date) as registered_date,
    cast(registration_month as date) as registration_month,
    cast({{ dbt.datediff('registration_month', 'month_start_date', 'month') }} as integer)
        as months_since_registration,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(stage as {{ dbt.type_string() }}) as stage,
    cast(previous_stage as {{ dbt.type_string() }}) as previous_stage,
    cast(activity_status as {{ dbt.type_string() }}) as activity_status,
    cast(last_activity_date as date) as last_activity_date,
    cast({{ risk_days_between('last_activity_date', 'month_end_date') }} as integer) as days_since_last_activity,
    has_outstanding_loan,
    cast(active_loans as integer) as active_loans,
    cast(max_dpd as integer) as max_dpd,
    cast(max_dpd_ever as integer) as max_dpd_ever,
    is_borrower,
    cast(value_to_date as decimal(18, 2)) as value_to_date,
    cast(value_trailing_12m as decimal(18, 2)) as value_trailing_12m,
    cast(tier as {{ dbt.type_string() }}) as tier
from tiered
