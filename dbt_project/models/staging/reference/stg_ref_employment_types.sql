-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(employment_type as {{ dbt.type_string() }}) as employment_type,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'employment_types') }}
