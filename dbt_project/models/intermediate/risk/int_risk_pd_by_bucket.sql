-- PD per delinquency bucket: the probability that an active loan in the bucket at a month-end is
-- charged off within the next 12 months.
-- Observed estimate (until the credit model lands): over every month-end t whose 12-month outcome
-- window has closed (t + 12 months <= as-of date), balance-weighted share of the outstanding
-- principal in the bucket at t of loans charged off by t + 12 months. A bucket with fewer than
-- risk_pd_min_observations such loan-month-ends falls back to seed risk_default_pd_by_bucket.
--
-- SEAM for the credit model: int_risk_loan_expected_loss takes a loan-level model PD first and this
-- bucket PD only where no score exists. Point its `model_scores` CTE at the scores model when it
-- exists; this model stays the fallback.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

observations as (
    select
        f.bucket,
        f.outstanding_principal,
        case
            when f.charge_off_date is not null
                and f.charge_off_date <= {{ risk_add_months('f.month_end_date', 12) }} then 1
            else 0
        end as charged_off_within_12m
    from {{ ref('int_risk_loan_month_end') }} as f
    cross join as_of as a
    where f.is_active
      and f.is_complete_month
      and {{ risk_add_months('f.month_end_date', 12) }} <= a.as_of_date
),

observed as (
    select
        bucket,
        count(*) as observations,
        sum(charged_off_within_12m) as charged_off_within_12m,
        sum(outstanding_principal) as outstanding_principal,
        sum(case when charged_off_within_12m = 1 then outstanding_principal else 0 end)
            as outstanding_principal_charged_off
    from observations
    group by bucket
),

estimated as (
select
    cast(d.bucket as {{ dbt.type_string() }}) as bucket,
    cast(
        case
            when coalesce(o.observations, 0) >= {{ var('risk_pd_min_observations', 30) }}
                and o.outstanding_principal > 0
                then cast(o.outstanding_principal_charged_off as double) / o.outstanding_principal
            else d.default_pd_12m
        end as double
    ) as pd_12m,
    cast(
        case
            when coalesce(o.observations, 0) >= {{ var('risk_pd_min_observations', 30) }}
                and o.outstanding_principal > 0
                then 'observed_roll_forward_12m'
            else 'default_seed'
        end as {{ dbt.type_string() }}
    ) as pd_source,
    cast(coalesce(o.observations, 0) as bigint) as observations,
    cast(coalesce(o.charged_off_within_12m, 0) as bigint) as observations_charged_off_within_12m,
    cast(
        case when o.outstanding_principal > 0
             then cast(o.outstanding_principal_charged_off as double) / o.outstanding_principal end as double
    ) as observed_pd_12m,
    cast(d.default_pd_12m as double) as default_pd_12m
from {{ ref('risk_default_pd_by_bucket') }} as d
left join observed as o on o.bucket = d.bucket
)

-- A more delinquent bucket never gets a lower PD than a less delinquent one (per-bucket estimates
-- and seed fallbacks can otherwise cross): running maximum in bucket order M0 < M1 < ... < M4+,
-- which is also the buckets' lexical order.
select
    bucket,
    cast(max(pd_12m) over (order by bucket rows between unbounded preceding and current row)
         as double) as pd_12m,
    pd_source,
    observations,
    observations_charged_off_within_12m,
    observed_pd_12m,
    default_pd_12m
from estimated
