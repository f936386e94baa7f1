-- Keyed hashes of every user's phone and ID number over time: user x identity type x
-- [valid_from, valid_to), from every exported version of the user record (stg_users keeps only
-- the newest version; a phone changed later must not count at an earlier application).
-- Definitions: docs/fraud_definitions.md. Hashes only (macro pii_hash, the same keyed hash as
-- stg_users); a table, so the hashing key never sits in a view's SQL text.
with versions as (
    select user_id, updated_at, registered_at, phone, id_number
    from {{ source('raw', 'users') }}
    where user_id is not null
),

-- one row per (user, updated_at): several exports of the same version are identical
distinct_versions as (
    select
        user_id,
        updated_at,
        max(registered_at) as registered_at,
        max(phone) as phone,
        max(id_number) as id_number
    from versions
    group by user_id, updated_at
),

ordered as (
    select
        user_id,
        updated_at,
        registered_at,
        phone,
        id_number,
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
        {{ pii_hash('phone') }} as phone_hash,
        {{ pii_hash('id_number') }} as id_number_hash
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
