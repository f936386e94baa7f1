-- Credit features, one row per decided application, POINT IN TIME: every feature uses only what
-- was known before the application (events dated before applied_date, loan history up to the day
-- before applied_date, the user record version valid at applied_at). The label is_bad (ever
-- DPD > 30 by the end of MOB 6) is filled only once MOB 6 has ended by the as-of date.
-- Definitions: docs/ml.md and feat_credit_applications.yml.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

applications as (
    select
        application_id, user_id, applied_at, applied_date, product, requested_amount, term_months,
        annual_income, monthly_debt, employment_type, bureau_score, status, decided_date
    from {{ ref('stg_applications') }}
    where status in ('approved', 'rejected', 'cancelled')
),

users as (
    select user_id, registered_date, age_at_registration, gender
    from {{ ref('stg_users') }}
),

tier_history as (
    select user_id, city_tier, valid_from, valid_to
    from {{ ref('int_ml_user_city_tier_history') }}
),

-- the user record version valid at applied_at; the first version if the application predates it
tier_at_application as (
    select application_id, city_tier
    from (
        select
            a.application_id,
            t.city_tier,
            row_number() over (
                partition by a.application_id
                order by case when t.valid_from <= a.applied_at then 0 else 1 end,
                         case when t.valid_from <= a.applied_at then t.valid_from end desc,
                         t.valid_from
            ) as rn
        from applications as a
        inner join tier_history as t on t.user_id = a.user_id
    ) as ranked
    where rn = 1
),

acquisition as (
    select user_id, acquisition_channel from {{ ref('int_user_acquisition') }}
),

loans as (
    select loan_id, application_id, user_id, disbursed_date
    from {{ ref('stg_loans') }}
),

-- loans of the same user disbursed before the application day
prior_loans as (
    select a.application_id, a.applied_date, l.loan_id, l.disbursed_date
    from applications as a
    inner join loans as l
        on l.user_id = a.user_id
       and l.disbursed_date < a.applied_date
),

prior_loan_counts as (
    select application_id, count(*) as prior_loans
    from prior_loans
    group by application_id
),

-- highest DPD of any prior loan up to the end of the day before the application
prior_dpd as (
    select
        p.application_id,
        max({{ dbt.datediff('o.overdue_anchor_date',
                            'case when o.valid_to < p.applied_date then ' ~ risk_add_days('o.valid_to', -1)
                             ~ ' else ' ~ risk_add_days('p.applied_date', -1) ~ ' end', 'day') }}) as prior_max_dpd
    from prior_loans as p
    inner join {{ ref('int_risk_overdue_intervals') }} as o
        on o.loan_id = p.loan_id
       and o.valid_from < p.applied_date
    group by p.application_id
),

-- installments of prior loans due before the application day: paid off by the due date or not
prior_installments as (
    select
        p.application_id,
        count(*) as prior_installments_due,
        sum(case when i.paid_off_date is not null and i.paid_off_date <= i.due_date then 1 else 0 end)
            as prior_installments_on_time
    from prior_loans as p
    inner join {{ ref('int_risk_installment_status') }} as i
        on i.loan_id = p.loan_id
       and i.due_date < p.applied_date
    group by p.application_id
),

prior_payoffs as (
    select p.application_id, max(po.paid_off_date) as last_payoff_date
    from prior_loans as p
    inner join {{ ref('int_risk_loan_payoff') }} as po
        on po.loan_id = p.loan_id
       and po.paid_off_date < p.applied_date
    group by p.application_id
),

prior_applications as (
    select
        a.application_id,
        count(*) as prior_applications,
        sum(case when b.status = 'rejected' then 1 else 0 end) as prior_rejections
    from applications as a
    inner join applications as b
        on b.user_id = a.user_id
       and b.decided_date < a.applied_date
    group by a.application_id
),

-- app events in the 30 local days before the application day
activity as (
    select a.application_id, count(*) as app_events_30d
    from applications as a
    inner join {{ ref('stg_app_events') }} as e
        on e.user_id = a.user_id
       and e.occurred_date < a.applied_date
       and e.occurred_date >= {{ risk_add_days('a.applied_date', -30) }}
    group by a.application_id
),

-- label: the MOB 6 month-end row of the loan (complete month) from the risk marts
mob6 as (
    select loan_id, month_end_date as mob6_end_date, max_dpd_to_date
    from {{ ref('fct_loan_month_end') }}
    where months_on_book = 6
      and is_complete_month
),

joined as (
    select
        a.*,
        u.registered_date,
        u.age_at_registration,
        u.gender,
        t.city_tier,
        coalesce(aq.acquisition_channel, 'unknown') as acquisition_channel,
        l.loan_id,
        l.disbursed_date,
        coalesce(pl.prior_loans, 0) as prior_loans,
        pd.prior_max_dpd,
        pi.prior_installments_due,
        pi.prior_installments_on_time,
        pp.last_payoff_date,
        coalesce(pa.prior_applications, 0) as prior_applications,
        coalesce(pa.prior_rejections, 0) as prior_rejections,
        coalesce(ac.app_events_30d, 0) as app_events_30d,
        m.mob6_end_date,
        m.max_dpd_to_date as max_dpd_mob6,
        s.as_of_date
    from applications as a
    cross join as_of as s
    left join users as u on u.user_id = a.user_id
    left join tier_at_application as t on t.application_id = a.application_id
    left join acquisition as aq on aq.user_id = a.user_id
    left join loans as l on l.application_id = a.application_id
    left join prior_loan_counts as pl on pl.application_id = a.application_id
    left join prior_dpd as pd on pd.application_id = a.application_id
    left join prior_installments as pi on pi.application_id = a.application_id
    left join prior_payoffs as pp on pp.application_id = a.application_id
    left join prior_applications as pa on pa.application_id = a.application_id
    left join activity as ac on ac.application_id = a.application_id
    left join mob6 as m on m.loan_id = l.loan_id
),

aged as (
    select
        joined.*,
        -- whole years since registration added to the age at registration (birth dates stay in
        -- staging): exact to within one year
        age_at_registration
            + cast(floor({{ dbt.datediff('registered_date', 'applied_date', 'day') }} / 365.25) as integer)
            as age_at_application
    from joined
)

select
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    cast(user_id as {{ dbt.type_string() }}) as user_id,
    applied_at,
    cast(applied_date as date) as applied_date,
    cast({{ risk_month_start('applied_date') }} as date) as applied_month,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(status <> 'rejected' as boolean) as is_approved,
    cast(loan_id as {{ dbt.type_string() }}) as loan_id,
    cast(disbursed_date as date) as disbursed_date,
    cast({{ risk_month_start('disbursed_date') }} as date) as disbursed_month,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(requested_amount as decimal(18, 2)) as requested_amount,
    cast(term_months as integer) as term_months,
    cast(annual_income as decimal(18, 2)) as annual_income,
    cast(monthly_debt as decimal(18, 2)) as monthly_debt,
    cast(employment_type as {{ dbt.type_string() }}) as employment_type,
    cast(bureau_score as integer) as bureau_score,
    cast(bureau_score is null as boolean) as bureau_score_missing,
    cast(case when annual_income > 0 then monthly_debt * 12 / annual_income end as double) as debt_to_income,
    cast(case when annual_income > 0 then requested_amount / annual_income end as double) as loan_to_income,
    cast(age_at_application as integer) as age_at_application,
    cast({{ age_band('age_at_application') }} as {{ dbt.type_string() }}) as age_band,
    cast(gender as {{ dbt.type_string() }}) as gender,
    cast(city_tier as integer) as city_tier,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(prior_loans as integer) as prior_loans,
    cast(prior_applications as integer) as prior_applications,
    cast(prior_rejections as integer) as prior_rejections,
    cast(case when prior_loans > 0 then coalesce(prior_max_dpd, 0) end as integer) as prior_max_dpd,
    cast(case when prior_installments_due > 0
              then 1.0 * prior_installments_on_time / prior_installments_due end as double)
        as prior_on_time_share,
    cast({{ dbt.datediff('last_payoff_date', 'applied_date', 'day') }} as integer) as days_since_last_payoff,
    cast(app_events_30d as integer) as app_events_30d,
    cast(mob6_end_date as date) as mob6_end_date,
    cast(case when mob6_end_date is not null then max_dpd_mob6 > {{ var('risk_delinquent_dpd') }} end as boolean) as is_bad,
    cast(as_of_date as date) as as_of_date
from aged
