-- Retention features, one row per user x monthly snapshot for users ACTIVE (at least one app
-- event) in the 30 days up to the snapshot day. Snapshots: every complete month-end up to the
-- as-of date (int_risk_month_ends). POINT IN TIME: features use events, applications and loans
-- dated on or before the snapshot day only. Label churned = no app event in the 60 days after the
-- snapshot; null while those 60 days have not all passed by the as-of date. The lifecycle tier
-- is the user's tier at the snapshot month-end (mart_user_lifecycle_monthly: built from data up to
-- that month-end only, so it is point in time too).
-- Definitions: docs/ml.md and feat_user_churn.yml.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

snapshots as (
    select month_end_date as snapshot_date
    from {{ ref('int_risk_month_ends') }}
    where is_complete_month
),

events as (
    select user_id, occurred_date from {{ ref('stg_app_events') }}
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

-- ... and activity in the 60 days after (label)
future as (
    select p.snapshot_date, p.user_id, count(*) as events_next_60d
    from population as p
    inner join events as e
        on e.user_id = p.user_id
       and e.occurred_date > p.snapshot_date
       and e.occurred_date <= {{ risk_add_days('p.snapshot_date', 60) }}
    group by p.snapshot_date, p.user_id
),

users as (
    select user_id, registered_date, age_at_registration, gender
    from {{ ref('stg_users') }}
),

-- lifecycle tier at the snapshot month-end (lifecycle and risk month-ends share month_end_date)
lifecycle as (
    select user_id, month_end_date, tier from {{ ref('mart_user_lifecycle_monthly') }}
),

acquisition as (
    select user_id, acquisition_channel from {{ ref('int_user_acquisition') }}
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
    inner join {{ ref('fct_loan_month_end') }} as f
        on f.loan_id = l.loan_id
       and f.month_end_date = p.snapshot_date
    group by p.snapshot_date, p.user_id
),

joined as (
    select
        p.*,
        u.registered_date,
        u.age_at_registration
            + cast(floor({{ dbt.datediff('u.registered_date', 'p.snapshot_date', 'day') }} / 365.25) as integer)
            as age_at_snapshot,
        u.gender,
        coalesce(aq.acquisition_channel, 'unknown') as acquisition_channel,
        coalesce(lc.tier, 'unknown') as tier,
        coalesce(ah.applications_90d, 0) as applications_90d,
        coalesce(ah.rejections_90d, 0) as rejections_90d,
        lp.product as last_product,
        coalesce(ls.loans_to_date, 0) as loans_to_date,
        coalesce(ls.active_loans, 0) as active_loans,
        coalesce(ls.outstanding_principal, 0) as outstanding_principal,
        coalesce(ls.current_dpd, 0) as current_dpd,
        coalesce(fu.events_next_60d, 0) as events_next_60d,
        s.as_of_date
    from population as p
    cross join as_of as s
    left join users as u on u.user_id = p.user_id
    left join acquisition as aq on aq.user_id = p.user_id
    left join lifecycle as lc on lc.user_id = p.user_id and lc.month_end_date = p.snapshot_date
    left join application_history as ah on ah.snapshot_date = p.snapshot_date and ah.user_id = p.user_id
    left join last_product as lp on lp.snapshot_date = p.snapshot_date and lp.user_id = p.user_id
    left join loan_state as ls on ls.snapshot_date = p.snapshot_date and ls.user_id = p.user_id
    left join future as fu on fu.snapshot_date = p.snapshot_date and fu.user_id = p.user_id
)

select
    cast(user_id as {{ dbt.type_string() }}) as user_id,
    cast(snapshot_date as date) as snapshot_date,
    cast({{ risk_month_start('snapshot_date') }} as date) as snapshot_month,
    cast({{ dbt.datediff('last_active_date', 'snapshot_date', 'day') }} as integer) as days_since_last_activity,
    cast(events_30d as integer) as events_30d,
    cast(events_90d as integer) as events_90d,
    cast(active_days_30d as integer) as active_days_30d,
    cast({{ dbt.datediff('registered_date', 'snapshot_date', 'day') }} as integer) as tenure_days,
    cast(applications_90d as integer) as applications_90d,
    cast(rejections_90d as integer) as rejections_90d,
    cast(loans_to_date as integer) as loans_to_date,
    cast(active_loans as integer) as active_loans,
    cast(outstanding_principal as decimal(18, 2)) as outstanding_principal,
    cast(current_dpd as integer) as current_dpd,
    cast(last_product as {{ dbt.type_string() }}) as last_product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast({{ age_band('age_at_snapshot') }} as {{ dbt.type_string() }}) as age_band,
    cast(gender as {{ dbt.type_string() }}) as gender,
    cast(tier as {{ dbt.type_string() }}) as tier,
    cast(case when {{ risk_add_days('snapshot_date', 60) }} <= as_of_date
              then events_next_60d = 0 end as boolean) as churned,
    cast(as_of_date as date) as as_of_date
from joined
