{{ config(meta={"dagster": {"ref": {"name": "fct_loan_month_end"}}}) }}
-- The two representations agree: DPD, state and outstanding principal of every loan month-end
-- equal the daily-interval values on that day.
select
    f.loan_id,
    f.month_end_date,
    f.dpd,
    f.bucket,
    f.outstanding_principal,
    i.overdue_anchor_date,
    i.loan_state,
    i.outstanding_principal as interval_outstanding_principal
from {{ ref('fct_loan_month_end') }} as f
left join {{ ref('fct_loan_dpd_intervals') }} as i
    on i.loan_id = f.loan_id
   and i.valid_from <= f.month_end_date
   and f.month_end_date < i.valid_to
where i.loan_id is null
   or f.dpd <> case when i.overdue_anchor_date is null then 0
                    else {{ risk_days_between('i.overdue_anchor_date', 'f.month_end_date') }} end
   or abs(f.outstanding_principal - i.outstanding_principal) > 0.005
   or (f.bucket in ('charged_off', 'paid_off') and f.bucket <> i.loan_state)
   or (f.bucket not in ('charged_off', 'paid_off') and i.loan_state <> 'active')
