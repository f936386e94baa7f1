-- Keyed hashes of every user's phone and ID number over time: user x identity type x
-- [valid_from, valid_to), from every exported version of the user record (stg_user_versions;
-- stg_users keeps only the newest version, and a phone changed later must not count at an earlier
-- application). Definitions: docs/fraud_definitions.md. Hashes only (hashed in staging by macro
-- pii_hash, the same keyed hash as stg_users).
with distinct_versions as (
    select user_id, updated_at, registered_at, phone_hash, id_number_hash
    from {{ ref('stg_user_versions') }}
    where user_id is not null
),

ordered as (
    select
        user_id,
        updated_at,
        registered_at,
        phone_hash,
        id_number_hash,
        row_number() over (partition by user_id order by updated_at) as version_no,
        lead(updated_at) over (partition by user_id order by updated_at) as next_updated_at
    from distinct_versions
),

hashed as (
    select
        user_id,
        -- the first version is valid from registration on
        case when version_no = 1 and registered_at < updated_at then registered_at else updated_at end
            as valid_from,
        next_updated_at as valid_to,
        phone_hash,
        id_number_hash
    from ordered
)

select
    user_id,
    cast('phone' as {{ dbt.type_string() }}) as identity_type,
    phone_hash as identity_hash,
    valid_from,
    valid_to
from hashed
where phone_hash is not null

union all

select
    user_id,
    cast('id_number' as {{ dbt.type_string() }}) as identity_type,
    id_number_hash as identity_hash,
    valid_from,
    valid_to
from hashed
where id_number_hash is not null
