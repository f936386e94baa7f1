-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(outcome as {{ dbt.type_string() }}) as outcome,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'collection_outcomes') }}
