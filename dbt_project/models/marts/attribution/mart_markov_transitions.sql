-- The Markov chain of each conversion type, built from fct_conversion_paths (see the Python
-- multi-asset data_driven_attribution, table attribution_py.markov_transitions).
select
    cast(conversion_type as {{ dbt.type_string() }}) as conversion_type,
    cast(from_state as {{ dbt.type_string() }}) as from_state,
    cast(to_state as {{ dbt.type_string() }}) as to_state,
    cast(transitions as bigint) as transitions,
    cast(probability as double) as probability
from {{ source('attribution_py', 'markov_transitions') }}
