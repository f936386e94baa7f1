-- Expected credit loss (IFRS 9 / CAS 22) per loan with a balance at each reporting month-end:
-- stage, PD (12-month for stage 1, lifetime for stages 2-3), LGD, EAD and the probability-weighted
-- ECL over the macro scenarios. Definitions: docs/regulatory_definitions.md#expected-credit-loss.
-- PD, LGD and EAD are the risk marts' (int_risk_loan_expected_loss, int_risk_lgd): the 12-month PD
-- is the calibrated credit-model PD of a scored current loan, else the bucket PD.
with loan_month as (
    select
        loan_id,
        month_end_date,
        month_start_date,
        is_complete_month,
        product,
        acquisition_channel,
        months_on_book,
        dpd,
        bucket,
        is_charged_off,
        outstanding_principal
    from {{ ref('int_risk_loan_month_end') }}
    where outstanding_principal > 0
),

terms as (
    select loan_id, term_months from {{ ref('int_risk_loan_lifecycle') }}
),

expected_loss as (
    select loan_id, month_end_date, pd_12m, pd_source
    from {{ ref('int_risk_loan_expected_loss') }}
),

-- origination PD: the 12-month PD the risk marts give the loan at its first active month-end
-- (MOB 0 for every loan disbursed current): its calibrated model PD when scored, else the M0 PD
origination as (
    select loan_id, pd_12m as origination_pd_12m
    from (
        select
            loan_id,
            pd_12m,
            row_number() over (partition by loan_id order by month_end_date) as rn
        from expected_loss
    ) as ranked
    where rn = 1
),

lgd as (
    select lgd from {{ ref('int_risk_lgd') }}
),

-- PD grade scale: a PD is in the grade with previous upper bound < PD <= upper bound
grades as (
    select
        pd_grade,
        lag(pd_upper_bound) over (order by pd_grade) as pd_lower_bound,
        pd_upper_bound
    from {{ ref('ecl_pd_grades') }}
),

with_pd as (
    select
        lm.*,
        t.term_months,
        -- a charged-off loan with a balance has defaulted: PD 1
        case when lm.is_charged_off then 1.0 else el.pd_12m end as pd_12m,
        case when lm.is_charged_off then 'charged_off' else el.pd_source end as pd_source,
        o.origination_pd_12m,
        case when t.term_months - lm.months_on_book > 0 then t.term_months - lm.months_on_book else 0 end
            as remaining_term_months
    from loan_month as lm
    left join terms as t
        on t.loan_id = lm.loan_id
    left join expected_loss as el
        on el.loan_id = lm.loan_id
       and el.month_end_date = lm.month_end_date
    left join origination as o
        on o.loan_id = lm.loan_id
),

graded as (
    select
        w.*,
        g_now.pd_grade,
        g_orig.pd_grade as origination_pd_grade,
        case
            when w.remaining_term_months + {{ var('ecl_workout_months') }} > 1
                then w.remaining_term_months + {{ var('ecl_workout_months') }}
            else 1
        end as lifetime_horizon_months
    from with_pd as w
    left join grades as g_now
        on (g_now.pd_lower_bound is null or w.pd_12m > g_now.pd_lower_bound)
       and (g_now.pd_upper_bound is null or w.pd_12m <= g_now.pd_upper_bound)
    left join grades as g_orig
        on (g_orig.pd_lower_bound is null or w.origination_pd_12m > g_orig.pd_lower_bound)
       and (g_orig.pd_upper_bound is null or w.origination_pd_12m <= g_orig.pd_upper_bound)
),

staged as (
    select
        g.*,
        case
            when g.is_charged_off then 'charged_off_with_balance'
            when g.dpd > {{ var('ecl_stage3_dpd') }} then 'dpd_stage_3'
            when g.dpd > {{ var('ecl_stage2_dpd') }} then 'dpd_stage_2'
            when g.pd_grade - g.origination_pd_grade >= {{ var('ecl_sicr_grade_notches') }}
                then 'pd_grade_worsened'
            else 'performing'
        end as stage_reason,
        -- lifetime PD: the roll-rate chain over the horizon, never below the 12-month PD
        case
            when g.is_charged_off then 1.0
            when lt.lifetime_pd > g.pd_12m then lt.lifetime_pd
            else g.pd_12m
        end as lifetime_pd
    from graded as g
    left join {{ ref('int_ecl_lifetime_pd') }} as lt
        on lt.bucket = g.bucket
       and lt.horizon_months = g.lifetime_horizon_months
),

applied as (
    select
        s.*,
        case
            when s.stage_reason in ('dpd_stage_3', 'charged_off_with_balance') then 3
            when s.stage_reason in ('dpd_stage_2', 'pd_grade_worsened') then 2
            else 1
        end as stage,
        case when s.stage_reason = 'performing' then s.pd_12m else s.lifetime_pd end as pd_applied,
        l.lgd
    from staged as s
    cross join lgd as l
),

-- probability-weighted over the month's scenarios: sum of weight x min(1, PD x multiplier), to 12
-- decimals: the sum's last bits depend on the engine's order of summation (0.6 x 0.25 + 0.2 x 0.2125
-- + 0.2 x 0.35 is 0.2625 in one order and 0.26249999999999996 in another), which would move an ECL
-- on an exact half cent to different cents
weighted as (
    select
        a.loan_id,
        a.month_end_date,
        round(sum(sc.weight * case when a.pd_applied * sc.pd_multiplier > 1 then 1.0
                                   else a.pd_applied * sc.pd_multiplier end), 12) as pd_weighted
    from applied as a
    inner join {{ ref('int_ecl_scenarios_monthly') }} as sc
        on sc.month_end_date = a.month_end_date
    group by a.loan_id, a.month_end_date
)

select
    a.loan_id,
    cast(a.month_end_date as date) as month_end_date,
    a.is_complete_month,
    cast(a.product as {{ dbt.type_string() }}) as product,
    cast(a.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(a.months_on_book as integer) as months_on_book,
    cast(a.remaining_term_months as integer) as remaining_term_months,
    cast(a.lifetime_horizon_months as integer) as lifetime_horizon_months,
    cast(a.dpd as integer) as dpd,
    cast(a.bucket as {{ dbt.type_string() }}) as bucket,
    cast(a.dpd > 90 and not a.is_charged_off as boolean) as is_npl,
    cast(a.stage as integer) as stage,
    cast(a.stage_reason as {{ dbt.type_string() }}) as stage_reason,
    cast(a.origination_pd_12m as double) as origination_pd_12m,
    cast(a.origination_pd_grade as integer) as origination_pd_grade,
    cast(a.pd_grade as integer) as pd_grade,
    cast(a.pd_12m as double) as pd_12m,
    cast(a.pd_source as {{ dbt.type_string() }}) as pd_source,
    cast(a.lifetime_pd as double) as lifetime_pd,
    cast(a.pd_applied as double) as pd_applied,
    cast(a.lgd as double) as lgd,
    cast(a.outstanding_principal as decimal(18, 2)) as ead,
    cast(a.pd_applied * a.lgd * a.outstanding_principal as double) as ecl_unadjusted,
    cast(w.pd_weighted as double) as pd_weighted,
    cast(w.pd_weighted * a.lgd * a.outstanding_principal as double) as ecl
from applied as a
left join weighted as w
    on w.loan_id = a.loan_id
   and w.month_end_date = a.month_end_date
