-- Every from-state row of the roll-rate matrix sums to 1, by count and by balance.
select
    month_end_date,
    from_state,
    sum(count_rate) as count_rate_sum,
    sum(balance_rate) as balance_rate_sum
from {{ ref('mart_roll_rates') }}
group by month_end_date, from_state
having abs(sum(count_rate) - 1) > 1e-9
    or abs(sum(balance_rate) - 1) > 1e-9
    or sum(count_rate) is null
    or sum(balance_rate) is null
