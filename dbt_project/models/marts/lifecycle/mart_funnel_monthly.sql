-- Conversion funnel by calendar month x channel (docs/lifecycle_definitions.md, "Funnel").
-- Period view: each step is counted in the month it happened. Visitors by the touch's channel;
-- every later step by the user's acquisition channel (int_user_acquisition). Cohort view: of the
-- users registered in the month, how many reached each later step by the as-of date (these
-- counts can only shrink from one step to the next).
with month_ends as (
    select month_start_date, month_end_date, is_complete_month
    from {{ ref('int_lifecycle_month_ends') }}
),

users as (
    select
        u.user_id,
        u.visitor_id,
        u.registered_at,
        u.registered_date,
        acq.acquisition_channel as channel,
        m.first_application_date,
        m.first_approval_date,
        m.first_disbursed_date,
        m.first_repayment_date
    from {{ ref('stg_users') }} as u
    inner join {{ ref('int_user_acquisition') }} as acq
        on acq.user_id = u.user_id
    inner join {{ ref('int_lifecycle_user_milestones') }} as m
        on m.user_id = u.user_id
),

-- prospects: clicks and visits of a visitor_id up to its registration (touches of already
-- registered users are retargeting, not acquisition traffic)
visitor_touches as (
    select
        t.channel,
        {{ risk_month_start('t.touched_date') }} as month_start_date,
        t.visitor_id
    from {{ ref('stg_touchpoints') }} as t
    left join users as u
        on u.visitor_id = t.visitor_id
    where t.touch_type in ('click', 'visit')
      and t.visitor_id is not null
      and (u.user_id is null or t.touched_at <= u.registered_at)
),

visitors as (
    select month_start_date, channel, count(distinct visitor_id) as visitors
    from visitor_touches
    group by month_start_date, channel
),

steps as (
    select channel, {{ risk_month_start('registered_date') }} as month_start_date,
           1 as registrations, 0 as first_applications, 0 as first_approvals, 0 as new_borrowers,
           0 as first_repayments,
           case when first_application_date is not null then 1 else 0 end as cohort_applicants,
           case when first_approval_date is not null then 1 else 0 end as cohort_approved,
           case when first_disbursed_date is not null then 1 else 0 end as cohort_borrowers,
           case when first_repayment_date is not null then 1 else 0 end as cohort_repaid
    from users
    union all
    select channel, {{ risk_month_start('first_application_date') }}, 0, 1, 0, 0, 0, 0, 0, 0, 0
    from users where first_application_date is not null
    union all
    select channel, {{ risk_month_start('first_approval_date') }}, 0, 0, 1, 0, 0, 0, 0, 0, 0
    from users where first_approval_date is not null
    union all
    select channel, {{ risk_month_start('first_disbursed_date') }}, 0, 0, 0, 1, 0, 0, 0, 0, 0
    from users where first_disbursed_date is not null
    union all
    select channel, {{ risk_month_start('first_repayment_date') }}, 0, 0, 0, 0, 1, 0, 0, 0, 0
    from users where first_repayment_date is not null
),

step_counts as (
    select
        month_start_date,
        channel,
        sum(registrations) as registrations,
        sum(first_applications) as first_applications,
        sum(first_approvals) as first_approvals,
        sum(new_borrowers) as new_borrowers,
        sum(first_repayments) as first_repayments,
        sum(cohort_applicants) as cohort_applicants,
        sum(cohort_approved) as cohort_approved,
        sum(cohort_borrowers) as cohort_borrowers,
        sum(cohort_repaid) as cohort_repaid
    from steps
    group by month_start_date, channel
),

channels as (
    select channel from visitors
    union
    select channel from step_counts
),

grid as (
    select m.month_start_date, m.month_end_date, m.is_complete_month, c.channel
    from month_ends as m
    cross join channels as c
),

joined as (
    select
        g.month_start_date,
        g.month_end_date,
        g.is_complete_month,
        g.channel,
        coalesce(v.visitors, 0) as visitors,
        coalesce(s.registrations, 0) as registrations,
        coalesce(s.first_applications, 0) as first_applications,
        coalesce(s.first_approvals, 0) as first_approvals,
        coalesce(s.new_borrowers, 0) as new_borrowers,
        coalesce(s.first_repayments, 0) as first_repayments,
        coalesce(s.cohort_applicants, 0) as cohort_applicants,
        coalesce(s.cohort_approved, 0) as cohort_approved,
        coalesce(s.cohort_borrowers, 0) as cohort_borrowers,
        coalesce(s.cohort_repaid, 0) as cohort_repaid
    from grid as g
    left join visitors as v
        on v.month_start_date = g.month_start_date
       and v.channel = g.channel
    left join step_counts as s
        on s.month_start_date = g.month_start_date
       and s.channel = g.channel
)

select
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    is_complete_month,
    cast(joined.channel as {{ dbt.type_string() }}) as channel,
    cast(ref_channels.channel_group as {{ dbt.type_string() }}) as channel_group,
    cast(ref_channels.is_paid as boolean) as is_paid,
    cast(visitors as integer) as visitors,
    cast(registrations as integer) as registrations,
    cast(first_applications as integer) as first_applications,
    cast(first_approvals as integer) as first_approvals,
    cast(new_borrowers as integer) as new_borrowers,
    cast(first_repayments as integer) as first_repayments,
    cast(case when visitors > 0 then 1.0 * registrations / visitors end as double)
        as registration_conversion_rate,
    cast(case when registrations > 0 then 1.0 * first_applications / registrations end as double)
        as application_rate,
    cast(case when first_applications > 0 then 1.0 * first_approvals / first_applications end as double)
        as approval_rate,
    cast(case when first_approvals > 0 then 1.0 * new_borrowers / first_approvals end as double)
        as disbursement_rate,
    cast(case when new_borrowers > 0 then 1.0 * first_repayments / new_borrowers end as double)
        as first_repayment_rate,
    cast(cohort_applicants as integer) as cohort_applicants,
    cast(cohort_approved as integer) as cohort_approved,
    cast(cohort_borrowers as integer) as cohort_borrowers,
    cast(cohort_repaid as integer) as cohort_repaid,
    cast(case when registrations > 0 then 1.0 * cohort_borrowers / registrations end as double)
        as cohort_borrower_rate
from joined
left join {{ ref('stg_ref_channels') }} as ref_channels
    on ref_channels.channel = joined.channel
