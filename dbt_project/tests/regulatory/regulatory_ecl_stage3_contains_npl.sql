{{ config(meta={"dagster": {"ref": {"name": "int_ecl_loan_month_end"}}}) }}
-- Stage 3 contains every non-performing loan: each active loan-month-end of the risk marts with
-- DPD > 90 (fct_loan_month_end) has an ECL row in stage 3 (a missing row fails too), and every
-- loan-month-end with a balance has an ECL row.
select f.loan_id, f.month_end_date, f.dpd, e.stage
from {{ ref('fct_loan_month_end') }} as f
left join {{ ref('int_ecl_loan_month_end') }} as e
    on e.loan_id = f.loan_id
   and e.month_end_date = f.month_end_date
where (f.outstanding_principal > 0 and e.loan_id is null)
   or (f.is_active and f.dpd > 90 and coalesce(e.stage, 0) <> 3)
