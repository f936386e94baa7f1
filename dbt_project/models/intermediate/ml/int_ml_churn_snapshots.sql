-- The as-of-independent part of feat_user_churn (definitions: feat_user_churn.yml, docs/ml.md):
-- one row per user x complete month-end snapshot for users active in the 30 days up to it, with
-- the features dated on or before the snapshot day and the count of app events in the label's
-- days after it. The as-of date (churned is null until the label's days have passed) and the
-- user's own attributes are added by feat_user_churn, so no row here changes when the
-- as-of date moves.
-- Incremental by snapshot_date (docs/incremental.md): a row is made of records dated up to
-- snapshot + churn_label_days, so a change dated d changes snapshots from d - churn_label_days
-- on; ml_churn_snapshots_also_from widens the window by those days, to the snapshots that
-- appear or vanish when the as-of date moves (a complete month-end is a snapshot) and to the
-- first stored snapshot whose lifecycle tier changed (the user record reaches the rows through
-- the tier only, and is not a window source: a re-exported user is dated months back).
{{ config(**incremental_by_window('snapshot_date', also_from='ml_churn_snapshots_also_from',
                                  sources=['app_events', 'applications', 'installments', 'loans',
                                           'repayments'])) }}
-- depends_on: {{ ref('int_risk_as_of_date') }}
{%- set window_from = incremental_window() %}
{%- set label_days = var('churn_label_days') %}
with snapshots as (
    select month_end_date as snapshot_date
    from {{ ref('int_risk_month_ends') }}
    where is_complete_month
    {%- if window_from is not none %}
      and month_end_date >= {{ window_from }}
    {%- endif %}
),

events as (
    select user_id, occurred_date from {{ ref('stg_app_events') }}
    {%- if window_from is not none %}
    where occurred_date > {{ risk_add_days(window_from, -90) }}
    {%- endif %}
),

-- activity in the 90 days up to each snapshot (features) ...
recent as (
    select
        s.snapshot_date,
        e.user_id,
        max(e.occurred_date) as last_active_date,
        count(*) as events_90d,
        sum(case when e.occurred_date > {{ risk_add_days('s.snapshot_date', -30) }} then 1 else 0 end)
            as events_30d,
        count(distinct case when e.occurred_date > {{ risk_add_days('s.snapshot_date', -30) }}
                            then e.occurred_date end) as active_days_30d
    from snapshots as s
    inner join events as e
        on e.occurred_date <= s.snapshot_date
       and e.occurred_date > {{ risk_add_days('s.snapshot_date', -90) }}
    group by s.snapshot_date, e.user_id
),

-- ... restricted to users active in the last 30 days (the population the model scores)
population as (
    select * from recent where events_30d > 0
),

-- ... and activity in the label's days after (whether they have passed is feat_user_churn's business)
future as (
    select p.snapshot_date, p.user_id, count(*) as events_next
    from population as p
    inner join events as e
        on e.user_id = p.user_id
       and e.occurred_date > p.snapshot_date
       and e.occurred_date <= {{ risk_add_days('p.snapshot_date', label_days) }}
    group by p.snapshot_date, p.user_id
),

-- lifecycle tier at the snapshot month-end (lifecycle and risk month-ends share month_end_date)
lifecycle as (
    select user_id, month_end_date, tier from {{ ref('int_lifecycle_user_months') }}
    {%- if window_from is not none %}
    where month_end_date >= {{ window_from }}
    {%- endif %}
),

applications as (
    select user_id, applied_date, decided_date, status, product, application_id
    from {{ ref('stg_applications') }}
),

application_history as (
    select
        p.snapshot_date,
        p.user_id,
        sum(case when a.applied_date > {{ risk_add_days('p.snapshot_date', -90) }} then 1 else 0 end)
            as applications_90d,
        sum(case when a.status = 'rejected' and a.decided_date <= p.snapshot_date
                  and a.decided_date > {{ risk_add_days('p.snapshot_date', -90) }} then 1 else 0 end)
            as rejections_90d
    from population as p
    inner join applications as a
        on a.user_id = p.user_id
       and a.applied_date <= p.snapshot_date
    group by p.snapshot_date, p.user_id
),

last_product as (
    select snapshot_date, user_id, product
    from (
        select
            p.snapshot_date,
            p.user_id,
            a.product,
            row_number() over (
                partition by p.snapshot_date, p.user_id
                order by a.applied_date desc, a.application_id desc
            ) as rn
        from population as p
        inner join applications as a
            on a.user_id = p.user_id
           and a.applied_date <= p.snapshot_date
    ) as ranked
    where rn = 1
),

loan_users as (
    select loan_id, user_id from {{ ref('stg_loans') }}
),

loan_month_ends as (
    select loan_id, month_end_date, is_active, outstanding_principal, dpd
    from {{ ref('int_risk_loan_month_end') }}
    {%- if window_from is not none %}
    where month_end_date >= {{ window_from }}
    {%- endif %}
),

-- loans at the snapshot month-end, from the risk marts' loan x month-end grid
loan_state as (
    select
        p.snapshot_date,
        p.user_id,
        count(*) as loans_to_date,
        sum(case when f.is_active then 1 else 0 end) as active_loans,
        sum(f.outstanding_principal) as outstanding_principal,
        max(case when f.is_active then f.dpd else 0 end) as current_dpd
    from population as p
    inner join loan_users as l on l.user_id = p.user_id
    inner join loan_month_ends as f
        on f.loan_id = l.loan_id
       and f.month_end_date = p.snapshot_date
    group by p.snapshot_date, p.user_id
)

select
    cast(p.user_id as {{ dbt.type_string() }}) as user_id,
    cast(p.snapshot_date as date) as snapshot_date,
    cast({{ risk_month_start('p.snapshot_date') }} as date) as snapshot_month,
    cast({{ dbt.datediff('p.last_active_date', 'p.snapshot_date', 'day') }} as integer) as days_since_last_activity,
    cast(p.events_30d as integer) as events_30d,
    cast(p.events_90d as integer) as events_90d,
    cast(p.active_days_30d as integer) as active_days_30d,
    cast(coalesce(ah.applications_90d, 0) as integer) as applications_90d,
    cast(coalesce(ah.rejections_90d, 0) as integer) as rejections_90d,
    cast(coalesce(ls.loans_to_date, 0) as integer) as loans_to_date,
    cast(coalesce(ls.active_loans, 0) as integer) as active_loans,
    cast(coalesce(ls.outstanding_principal, 0) as decimal(18, 2)) as outstanding_principal,
    cast(coalesce(ls.current_dpd, 0) as integer) as current_dpd,
    cast(lp.product as {{ dbt.type_string() }}) as last_product,
    cast(coalesce(lc.tier, 'unknown') as {{ dbt.type_string() }}) as tier,
    cast(coalesce(fu.events_next, 0) as integer) as events_after_snapshot
from population as p
left join lifecycle as lc on lc.user_id = p.user_id and lc.month_end_date = p.snapshot_date
left join application_history as ah on ah.snapshot_date = p.snapshot_date and ah.user_id = p.user_id
left join last_product as lp on lp.snapshot_date = p.snapshot_date and lp.user_id = p.user_id
left join loan_state as ls on ls.snapshot_date = p.snapshot_date and ls.user_id = p.user_id
left join future as fu on fu.snapshot_date = p.snapshot_date and fu.user_id = p.user_id
