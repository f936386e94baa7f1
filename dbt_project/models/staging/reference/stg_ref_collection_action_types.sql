-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(action_type as {{ dbt.type_string() }}) as action_type,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'collection_action_types') }}
