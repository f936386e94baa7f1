-- Expected loss per active loan and month-end: EL = PD x LGD x EAD, EAD = outstanding principal.
-- PD (docs/risk_definitions.md#expected-loss): a CURRENT (M0) loan with a credit-model score gets
-- its calibrated model PD = model PD x calibration factor (capped at 1); every other loan (no
-- score, or delinquent: M1..M4+) gets the PD of its delinquency bucket (int_risk_pd_by_bucket).
-- The model PD is "ever DPD > 30 by MOB 6" at application, not a 12-month charge-off PD: the
-- factor rescales it so that, pooled over every reporting month-end, the balance-weighted mean
-- PD of the scored M0 loans equals the M0 bucket PD. The model re-ranks current loans by
-- application risk; the bucket's 12-month charge-off level is kept. LGD = int_risk_lgd.
with loan_month as (
    select loan_id, month_end_date, bucket, outstanding_principal
    from {{ ref('int_risk_loan_month_end') }}
    where is_active
),

-- the credit model's PD per loan (empty before the first scoring run)
model_scores as (
    select loan_id, model_pd from {{ ref('int_risk_loan_credit_score') }}
),

pd_bucket as (
    select bucket, pd_12m, pd_source from {{ ref('int_risk_pd_by_bucket') }}
),

lgd as (
    select lgd from {{ ref('int_risk_lgd') }}
),

-- calibration factor = PD_bucket(M0) x sum(EAD) / sum(model PD x EAD) over scored M0 loan-month-ends;
-- null when there is none (then nobody uses the model PD)
calibration as (
    select
        case
            when sum(ms.model_pd * lm.outstanding_principal) > 0
                then max(pb.pd_12m) * sum(lm.outstanding_principal)
                     / sum(ms.model_pd * lm.outstanding_principal)
        end as factor
    from loan_month as lm
    inner join model_scores as ms on ms.loan_id = lm.loan_id
    inner join pd_bucket as pb on pb.bucket = lm.bucket
    where lm.bucket = 'M0'
),

with_pd as (
    select
        lm.loan_id,
        lm.month_end_date,
        lm.bucket,
        lm.outstanding_principal,
        ms.model_pd,
        pb.pd_12m as bucket_pd_12m,
        pb.pd_source as bucket_pd_source,
        case
            when lm.bucket = 'M0' and ms.model_pd is not null and c.factor is not null
                then case when ms.model_pd * c.factor > 1 then 1.0 else ms.model_pd * c.factor end
        end as model_pd_12m
    from loan_month as lm
    cross join calibration as c
    left join pd_bucket as pb on pb.bucket = lm.bucket
    left join model_scores as ms on ms.loan_id = lm.loan_id
)

select
    w.loan_id,
    w.month_end_date,
    cast(w.bucket as {{ dbt.type_string() }}) as bucket,
    cast(coalesce(w.model_pd_12m, w.bucket_pd_12m) as double) as pd_12m,
    cast(case when w.model_pd_12m is not null then 'credit_model' else w.bucket_pd_source end
         as {{ dbt.type_string() }}) as pd_source,
    cast(w.model_pd as double) as model_pd,
    cast(g.lgd as double) as lgd,
    cast(w.outstanding_principal as decimal(18, 2)) as ead,
    cast(coalesce(w.model_pd_12m, w.bucket_pd_12m) * g.lgd * w.outstanding_principal as double)
        as expected_loss
from with_pd as w
cross join lgd as g
