-- Exact Shapley value and credit per conversion type and channel (Python asset), next to the sum
-- of the per-conversion Shapley credits of mart_attribution_credits.
with allocated as (
    select conversion_type, channel, {{ attribution_sum('credit') }} as credit_path_allocated
    from {{ ref('mart_attribution_credits') }}
    where model = 'shapley'
    group by conversion_type, channel
)

select
    cast(s.conversion_type as {{ dbt.type_string() }}) as conversion_type,
    cast(s.channel as {{ dbt.type_string() }}) as channel,
    cast(s.shapley_value as double) as shapley_value,
    cast(s.credit as double) as credit,
    cast(coalesce(a.credit_path_allocated, 0) as double) as credit_path_allocated
from {{ source('attribution_py', 'shapley_values') }} as s
left join allocated as a
    on a.conversion_type = s.conversion_type
   and a.channel = s.channel
