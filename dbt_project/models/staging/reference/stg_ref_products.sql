-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(product as {{ dbt.type_string() }}) as product,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'products') }}
