-- One row per user: pseudonymous key (user_id; no personal data), registration, acquisition
-- channel, demographics bands, funnel milestones, last activity and the stage and tier at the
-- latest reporting month-end (the as-of date).
with latest as (
    select user_id, stage, tier, last_activity_date, month_end_date
    from {{ ref('mart_user_lifecycle_monthly') }}
    where month_end_date = (select max(month_end_date) from {{ ref('int_lifecycle_month_ends') }})
)

select
    cast(u.user_id as {{ dbt.type_string() }}) as user_id,
    cast(u.registered_date as date) as registered_date,
    cast({{ risk_month_start('u.registered_date') }} as date) as registration_month,
    cast(acq.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(ch.channel_group as {{ dbt.type_string() }}) as acquisition_channel_group,
    cast(ch.is_paid as boolean) as acquisition_is_paid,
    cast(u.age_band as {{ dbt.type_string() }}) as age_band,
    cast(u.gender as {{ dbt.type_string() }}) as gender,
    cast(u.city_tier as integer) as city_tier,
    cast(m.first_application_date as date) as first_application_date,
    cast(m.first_approval_date as date) as first_approval_date,
    cast(m.first_disbursed_date as date) as first_disbursed_date,
    cast(m.first_repayment_date as date) as first_repayment_date,
    cast(m.loans_disbursed as integer) as loans_disbursed,
    cast(l.last_activity_date as date) as last_activity_date,
    cast(l.stage as {{ dbt.type_string() }}) as current_stage,
    cast(l.tier as {{ dbt.type_string() }}) as current_tier,
    cast(l.month_end_date as date) as stage_as_of_date
from {{ ref('stg_users') }} as u
inner join {{ ref('int_user_acquisition') }} as acq
    on acq.user_id = u.user_id
inner join {{ ref('int_lifecycle_user_milestones') }} as m
    on m.user_id = u.user_id
left join latest as l
    on l.user_id = u.user_id
left join {{ ref('stg_ref_channels') }} as ch
    on ch.channel = acq.acquisition_channel
