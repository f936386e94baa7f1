-- Principal identity per loan month-end (active and charged-off loans):
-- principal = outstanding + (principal paid - recoveries) + charge-off amount.
select *
from {{ ref('fct_loan_month_end') }}
where bucket <> 'paid_off'
  and abs(principal - outstanding_principal - (principal_paid_to_date - recoveries_to_date) - charge_off_amount) > 0.005
