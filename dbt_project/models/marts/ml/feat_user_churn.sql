-- Retention features, one row per user x monthly snapshot for users ACTIVE (at least one app
-- event) in the 30 days up to the snapshot day. Snapshots: every complete month-end up to the
-- as-of date (int_risk_month_ends). POINT IN TIME: features use events, applications and loans
-- dated on or before the snapshot day only. Label churned = no app event in the churn_label_days
-- (60) days after the snapshot; null while those days have not all passed by the as-of date. The
-- lifecycle tier is the user's tier at the snapshot month-end (mart_user_lifecycle_monthly: built
-- from data up to that month-end only, so it is point in time too).
-- The rows are built (incrementally) in int_ml_churn_snapshots; what depends on the as-of date
-- (the label's observability) or on the user record as a whole (tenure, age band, gender,
-- acquisition channel) is added here, so that a moving as-of date or a corrected user rewrites no
-- stored row there. A table, not a view: its labels and its rows always come from one build (a
-- view would pair a failed or unselected int_ml_churn_snapshots' old rows with a new as-of date).
-- Definitions: docs/ml.md and feat_user_churn.yml.

select
    s.user_id,
    s.snapshot_date,
    s.snapshot_month,
    s.days_since_last_activity,
    s.events_30d,
    s.events_90d,
    s.active_days_30d,
    cast({{ dbt.datediff('u.registered_date', 's.snapshot_date', 'day') }} as integer) as tenure_days,
    s.applications_90d,
    s.rejections_90d,
    s.loans_to_date,
    s.active_loans,
    s.outstanding_principal,
    s.current_dpd,
    s.last_product,
    cast(coalesce(aq.acquisition_channel, 'unknown') as {{ dbt.type_string() }}) as acquisition_channel,
    cast({{ age_band(
        "u.age_at_registration + cast(floor(" ~ dbt.datediff('u.registered_date', 's.snapshot_date', 'day') ~ " / 365.25) as integer)"
    ) }} as {{ dbt.type_string() }}) as age_band,
    cast(u.gender as {{ dbt.type_string() }}) as gender,
    s.tier,
    cast(case when {{ risk_add_days('s.snapshot_date', var('churn_label_days')) }} <= a.as_of_date
              then s.events_after_snapshot = 0 end as boolean) as churned,
    cast(a.as_of_date as date) as as_of_date
from {{ ref('int_ml_churn_snapshots') }} as s
cross join {{ ref('int_risk_as_of_date') }} as a
left join {{ ref('stg_users') }} as u on u.user_id = s.user_id
left join {{ ref('int_user_acquisition') }} as aq on aq.user_id = s.user_id
