{{ config(meta={"dagster": {"ref": {"name": "int_ecl_lifetime_pd"}}}) }}
-- The lifetime PD of a bucket never falls with a longer horizon (charge-off is absorbing), and
-- every bucket has every horizon 1 .. ecl_lifetime_max_months.
with ordered as (
    select
        bucket,
        horizon_months,
        lifetime_pd,
        lag(lifetime_pd) over (partition by bucket order by horizon_months) as previous_pd,
        count(*) over (partition by bucket) as horizons
    from {{ ref('int_ecl_lifetime_pd') }}
)

select bucket, horizon_months, lifetime_pd, previous_pd
from ordered
where lifetime_pd < previous_pd - 1e-12
   or horizons <> {{ var('ecl_lifetime_max_months') }}
