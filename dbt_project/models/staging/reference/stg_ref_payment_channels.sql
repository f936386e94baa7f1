-- GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.
select
    cast(payment_channel as {{ dbt.type_string() }}) as payment_channel,
    cast(description as {{ dbt.type_string() }}) as description
from {{ source('reference', 'payment_channels') }}
