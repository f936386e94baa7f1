{{ config(meta={"dagster": {"ref": {"name": "int_ecl_loan_month_end"}}}) }}
-- One PD, one LGD, one EAD: every active loan-month-end's 12-month PD, LGD and EAD are the risk
-- marts' (int_risk_loan_expected_loss), so a stage-1 loan's ECL before scenarios is exactly the risk
-- marts' expected loss.
select e.loan_id, e.month_end_date, e.stage, e.ecl_unadjusted, r.expected_loss
from {{ ref('int_ecl_loan_month_end') }} as e
inner join {{ ref('int_risk_loan_expected_loss') }} as r
    on r.loan_id = e.loan_id
   and r.month_end_date = e.month_end_date
where e.pd_12m <> r.pd_12m
   or e.lgd <> r.lgd
   or e.ead <> r.ead
   or (e.stage = 1 and abs(e.ecl_unadjusted - r.expected_loss) > 1e-6)
