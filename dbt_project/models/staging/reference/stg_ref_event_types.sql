-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(event_type as {{ dbt.type_string() }}) as event_type,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'event_types') }}
