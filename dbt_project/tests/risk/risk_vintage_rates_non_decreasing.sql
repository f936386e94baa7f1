-- Cumulative vintage rates never decrease with MOB (cum_net_loss_rate is excluded: recoveries may
-- lower it), and the cohort denominators stay constant.
with v as (
    select
        cohort_month,
        months_on_book,
        loans,
        principal,
        ever_dpd30_rate,
        ever_dpd90_rate,
        cum_charge_off_rate,
        lag(loans) over (partition by cohort_month order by months_on_book) as prev_loans,
        lag(principal) over (partition by cohort_month order by months_on_book) as prev_principal,
        lag(ever_dpd30_rate) over (partition by cohort_month order by months_on_book) as prev_ever_dpd30_rate,
        lag(ever_dpd90_rate) over (partition by cohort_month order by months_on_book) as prev_ever_dpd90_rate,
        lag(cum_charge_off_rate) over (partition by cohort_month order by months_on_book) as prev_cum_charge_off_rate
    from {{ ref('mart_vintage') }}
)

select *
from v
where prev_loans is not null
  and (
      loans <> prev_loans
      or principal <> prev_principal
      or ever_dpd30_rate < prev_ever_dpd30_rate - 1e-12
      or ever_dpd90_rate < prev_ever_dpd90_rate - 1e-12
      or cum_charge_off_rate < prev_cum_charge_off_rate - 1e-12
  )
