-- LGD (one row): share of the charged-off principal not recovered.
-- Observed estimate: over loans charged off at least risk_lgd_recovery_window_months before the
-- as-of date (so recoveries had time to arrive), LGD = 1 - sum(principal recovered to date) /
-- sum(charge-off amount), clamped to [0, 1]. Fewer than risk_lgd_min_observations such loans ->
-- var risk_default_lgd.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

matured as (
    select
        count(*) as charged_off_loans,
        sum(l.charge_off_amount) as charge_off_amount,
        sum(l.recoveries_to_date) as recoveries
    from {{ ref('int_risk_loan_lifecycle') }} as l
    cross join as_of as a
    where l.charge_off_date is not null
      and {{ risk_add_months('l.charge_off_date', var('risk_lgd_recovery_window_months', 6)) }} <= a.as_of_date
),

estimate as (
    select
        charged_off_loans,
        charge_off_amount,
        recoveries,
        case
            when charge_off_amount > 0 then 1 - cast(recoveries as double) / charge_off_amount
        end as observed_lgd
    from matured
)

select
    cast(
        case
            when charged_off_loans >= {{ var('risk_lgd_min_observations', 30) }} and observed_lgd is not null
                then case when observed_lgd < 0 then 0 when observed_lgd > 1 then 1 else observed_lgd end
            else {{ var('risk_default_lgd', 0.85) }}
        end as double
    ) as lgd,
    cast(
        case
            when charged_off_loans >= {{ var('risk_lgd_min_observations', 30) }} and observed_lgd is not null
                then 'observed_recoveries'
            else 'default_var'
        end as {{ dbt.type_string() }}
    ) as lgd_source,
    cast(charged_off_loans as bigint) as charged_off_loans,
    cast(coalesce(charge_off_amount, 0) as decimal(18, 2)) as charge_off_amount,
    cast(coalesce(recoveries, 0) as decimal(18, 2)) as recoveries,
    cast(observed_lgd as double) as observed_lgd
from estimate
