-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(term_months as {{ dbt.type_int() }}) as term_months,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'loan_terms') }}
