-- Every scenario set of ecl_macro_scenarios (one effective_month) has weights summing to 1, so the
-- probability-weighted ECL is a weighted mean of the scenarios' ECL.
select effective_month, sum(weight) as total_weight
from {{ ref('ecl_macro_scenarios') }}
group by effective_month
having abs(sum(weight) - 1) > 0.000001
