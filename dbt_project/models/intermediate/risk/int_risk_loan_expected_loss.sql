-- Expected loss per active loan and month-end: EL = PD x LGD x EAD, EAD = outstanding principal.
-- PD = the loan's credit-model PD when a score exists (none yet: see `model_scores`), else the
-- PD of its delinquency bucket (int_risk_pd_by_bucket). LGD = int_risk_lgd.
with loan_month as (
    select loan_id, month_end_date, bucket, outstanding_principal
    from {{ ref('fct_loan_month_end') }}
    where is_active
),

-- SEAM: replace with the credit model's scores (loan_id, month_end_date, pd_12m) once they exist,
-- e.g. select loan_id, month_end_date, pd_12m from ref('<scores model>'); keep this bucket PD
-- as the fallback for loans without a score.
model_scores as (
    select
        cast(null as {{ dbt.type_string() }}) as loan_id,
        cast(null as date) as month_end_date,
        cast(null as double) as pd_12m
    where 1 = 0
),

pd_bucket as (
    select bucket, pd_12m, pd_source from {{ ref('int_risk_pd_by_bucket') }}
),

lgd as (
    select lgd from {{ ref('int_risk_lgd') }}
)

select
    lm.loan_id,
    lm.month_end_date,
    cast(lm.bucket as {{ dbt.type_string() }}) as bucket,
    cast(coalesce(ms.pd_12m, pb.pd_12m) as double) as pd_12m,
    cast(case when ms.pd_12m is not null then 'credit_model' else pb.pd_source end as {{ dbt.type_string() }}) as pd_source,
    cast(g.lgd as double) as lgd,
    cast(lm.outstanding_principal as decimal(18, 2)) as ead,
    cast(coalesce(ms.pd_12m, pb.pd_12m) * g.lgd * lm.outstanding_principal as double) as expected_loss
from loan_month as lm
cross join lgd as g
left join pd_bucket as pb on pb.bucket = lm.bucket
left join model_scores as ms
    on ms.loan_id = lm.loan_id and ms.month_end_date = lm.month_end_date
