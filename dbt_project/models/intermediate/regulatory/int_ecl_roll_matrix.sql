-- Monthly transition probabilities between the risk buckets, pooled over history: the Markov
-- chain behind the lifetime PD (int_ecl_lifetime_pd). From the roll rates (mart_roll_rates) of
-- every complete reporting month: P(from -> to) = balance rolled from `from` to `to` / balance in
-- `from` at the previous month-end, summed over the months (balance-weighted like the bucket PD).
-- The incomplete as-of month is left out: its transitions cover part of a month only.
with rolls as (
    select r.from_state, r.to_state, r.loans, r.balance
    from {{ ref('int_risk_roll_rates') }} as r
    inner join {{ ref('int_risk_month_ends') }} as m
        on m.month_end_date = r.month_end_date
    where m.is_complete_month
),

pooled as (
    select from_state, to_state, sum(loans) as loans, sum(balance) as balance
    from rolls
    group by from_state, to_state
)

select
    cast(from_state as {{ dbt.type_string() }}) as from_state,
    cast(to_state as {{ dbt.type_string() }}) as to_state,
    cast(loans as bigint) as loans,
    cast(balance as decimal(18, 2)) as balance,
    cast(sum(loans) over (partition by from_state) as bigint) as from_state_loans,
    cast(
        case when sum(balance) over (partition by from_state) > 0
             then cast(balance as double) / sum(balance) over (partition by from_state) end
        as double
    ) as transition_probability
from pooled
