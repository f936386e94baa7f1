-- Lifetime PD per risk bucket and horizon: the probability that a loan in the bucket at a
-- month-end is charged off within the next h months (h = 1 .. var ecl_lifetime_max_months), from
-- the pooled monthly roll matrix (int_ecl_roll_matrix) as a Markov chain: start with probability 1
-- in the bucket, multiply by the matrix h times; charged_off is absorbing (kept, summed up to h);
-- paid_off mass leaves the chain. A state without observed transitions passes nothing on (its
-- mass neither defaults nor stays): int_ecl_loan_month_end floors the lifetime PD at the 12-month
-- PD, so such a gap can never lower a loan's PD below the risk marts' bucket PD.
--
-- Portable (no recursive CTE): one CTE per month, unrolled by Jinja. Each step references the
-- previous one once, so Spark, which inlines CTEs, plans a chain and not a tree. A step carries
-- the frontier (the distribution at month k over the active buckets and charged_off) and the
-- history (the charged-off probability at each earlier month): matrix rows with advance = false
-- copy the frontier's charged-off mass into the history before it moves on.
{%- set horizon = var('ecl_lifetime_max_months') | int %}

with buckets as (
    select bucket from {{ ref('int_risk_pd_by_bucket') }}
),

-- the chain's matrix: observed transitions into active buckets or charged_off, and charged_off
-- absorbing (advance = true moves it to month k, advance = false records it at month k - 1)
chain_matrix as (
    select
        from_state,
        to_state,
        transition_probability as probability,
        true as advance
    from {{ ref('int_ecl_roll_matrix') }}
    where to_state <> 'paid_off'
      and transition_probability is not null
    union all
    select 'charged_off', 'charged_off', 1.0, true
    union all
    select 'charged_off', 'charged_off', 1.0, false
),

step_0 as (
    select
        bucket as start_bucket,
        bucket as state,
        0 as horizon_months,
        true as is_frontier,
        cast(1.0 as double) as probability
    from buckets
),
{%- for k in range(1, horizon + 1) %}

step_{{ k }} as (
    select
        s.start_bucket,
        coalesce(m.to_state, s.state) as state,
        case when m.advance then {{ k }} else s.horizon_months end as horizon_months,
        coalesce(m.advance, false) as is_frontier,
        sum(s.probability * coalesce(m.probability, 1.0)) as probability
    from step_{{ k - 1 }} as s
    left join chain_matrix as m
        on s.is_frontier
       and m.from_state = s.state
    group by
        s.start_bucket,
        coalesce(m.to_state, s.state),
        case when m.advance then {{ k }} else s.horizon_months end,
        coalesce(m.advance, false)
),
{%- endfor %}

charged_off as (
    select start_bucket, horizon_months, sum(probability) as probability
    from step_{{ horizon }}
    where state = 'charged_off'
    group by start_bucket, horizon_months
),

-- 1 .. horizon months for every bucket (a month without charged-off mass yet has probability 0)
horizons as (
    {%- for k in range(1, horizon + 1) %}
    select {{ k }} as horizon_months{% if not loop.last %} union all{% endif %}
    {%- endfor %}
)

select
    cast(b.bucket as {{ dbt.type_string() }}) as bucket,
    cast(h.horizon_months as integer) as horizon_months,
    -- to 12 decimals: the chain's sums end in bits that depend on the engine's order of summation,
    -- and an ECL on an exact half cent would then round to different cents on DuckDB and Spark
    cast(
        round(case when coalesce(c.probability, 0) > 1 then 1.0 else coalesce(c.probability, 0) end, 12)
        as double
    ) as lifetime_pd
from buckets as b
cross join horizons as h
left join charged_off as c
    on c.start_bucket = b.bucket
   and c.horizon_months = h.horizon_months
