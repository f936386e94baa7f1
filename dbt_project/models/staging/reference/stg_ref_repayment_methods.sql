-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(repayment_method as {{ dbt.type_string() }}) as repayment_method,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'repayment_methods') }}
