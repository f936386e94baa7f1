-- Balances and losses per reporting month x product x acquisition channel, from the risk marts
-- (one definition of outstanding principal and charge-off; docs/risk_definitions.md):
--   principal_days = sum over the days D of the period of the end-of-day outstanding principal
--     of D, from int_risk_loan_dpd_intervals (constant outstanding per interval, so each interval adds
--     outstanding x days of overlap with [month_start_date, month_end_date]; no daily expansion);
--   month-end outstanding, charge-offs and recoveries of the month from int_risk_loan_month_end
--   (published as fct_loan_dpd_intervals and fct_loan_month_end).
-- Product and acquisition channel are the loan's own (int_risk_loan_lifecycle, which takes the
-- channel from the lifecycle family's int_user_acquisition).
with month_ends as (
    select month_start_date, month_end_date, days_in_period from {{ ref('int_risk_month_ends') }}
),

loans as (
    select loan_id, product, acquisition_channel from {{ ref('int_risk_loan_lifecycle') }}
),

-- interval x month overlap: days from max(valid_from, month start) to min(valid_to, month end + 1)
interval_months as (
    select
        l.product,
        l.acquisition_channel,
        m.month_end_date,
        i.outstanding_principal,
        case when i.valid_from > m.month_start_date then i.valid_from else m.month_start_date end
            as overlap_start,
        case when i.valid_to <= m.month_end_date then i.valid_to
             else {{ risk_add_days('m.month_end_date', 1) }} end as overlap_end
    from {{ ref('int_risk_loan_dpd_intervals') }} as i
    inner join month_ends as m
        on i.valid_from <= m.month_end_date
       and i.valid_to > m.month_start_date
    inner join loans as l on l.loan_id = i.loan_id
),

principal_days as (
    select
        month_end_date,
        product,
        acquisition_channel,
        sum(outstanding_principal * {{ risk_days_between('overlap_start', 'overlap_end') }}) as principal_days
    from interval_months
    group by month_end_date, product, acquisition_channel
),

month_end_figures as (
    select
        month_end_date,
        product,
        acquisition_channel,
        sum(case when is_active then 1 else 0 end) as active_loans,
        sum(outstanding_principal) as outstanding_principal,
        sum(charge_off_amount_in_month) as charge_off_amount,
        sum(recoveries_in_month) as recoveries
    from {{ ref('int_risk_loan_month_end') }}
    group by month_end_date, product, acquisition_channel
)

-- every loan with an interval in a month is in int_risk_loan_month_end for that month (its grid runs
-- from the disbursement month on), so the month-end figures carry every segment
select
    cast(f.month_end_date as date) as month_end_date,
    cast(f.product as {{ dbt.type_string() }}) as product,
    cast(f.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(f.active_loans as bigint) as active_loans,
    cast(f.outstanding_principal as decimal(18, 2)) as outstanding_principal,
    cast(coalesce(p.principal_days, 0) as decimal(24, 2)) as principal_days,
    cast(f.charge_off_amount as decimal(18, 2)) as charge_off_amount,
    cast(f.recoveries as decimal(18, 2)) as recoveries
from month_end_figures as f
left join principal_days as p
    on p.month_end_date = f.month_end_date
   and p.product = f.product
   and p.acquisition_channel = f.acquisition_channel
