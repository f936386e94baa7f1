-- Every exported version of every user record: one row per (user_id, updated_at), for the models
-- that need a user's history (stg_users keeps only the newest version). Several exports of the
-- same version are identical and collapse to one row. Only what those models need leaves
-- raw.users, and the personal data only as keyed hashes (macro pii_hash, the same as stg_users).
-- A table, not a view: a view would keep the hashing key in its SQL text inside the warehouse.
{{ config(materialized='table') }}
with versions as (
    select
        user_id,
        updated_at,
        max(registered_at) as registered_at,
        max(city_tier) as city_tier,
        max(phone) as phone,
        max(id_number) as id_number
    from {{ source('raw', 'users') }}
    group by user_id, updated_at
)

select
    user_id,
    updated_at,
    registered_at,
    city_tier,
    {{ pii_hash('phone') }} as phone_hash,
    {{ pii_hash('id_number') }} as id_number_hash
from versions
