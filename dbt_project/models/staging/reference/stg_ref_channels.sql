-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(channel_group as {{ dbt.type_string() }}) as channel_group,
    cast(is_paid as {{ dbt.type_boolean() }}) as is_paid,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'channels') }}
