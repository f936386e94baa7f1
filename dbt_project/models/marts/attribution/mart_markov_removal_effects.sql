-- Removal effect and Markov credit per conversion type and channel (Python asset), next to the
-- sum of the per-conversion Markov credits of mart_attribution_credits.
with allocated as (
    select conversion_type, channel, {{ attribution_sum('credit') }} as credit_path_allocated
    from {{ ref('mart_attribution_credits') }}
    where model = 'markov'
    group by conversion_type, channel
)

select
    cast(r.conversion_type as {{ dbt.type_string() }}) as conversion_type,
    cast(r.channel as {{ dbt.type_string() }}) as channel,
    cast(r.conversion_probability as double) as conversion_probability,
    cast(r.conversion_probability_without as double) as conversion_probability_without,
    cast(r.removal_effect as double) as removal_effect,
    cast(r.credit as double) as credit,
    cast(coalesce(a.credit_path_allocated, 0) as double) as credit_path_allocated
from {{ source('attribution_py', 'markov_removal_effects') }} as r
left join allocated as a
    on a.conversion_type = r.conversion_type
   and a.channel = r.channel
