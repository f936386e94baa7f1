-- City tier of every user over time: user x [valid_from, valid_to) from every exported version of
-- the user record (stg_users keeps only the newest version, which would leak a later move into
-- features dated before it). Only non-personal columns leave the raw table.
with versions as (
    select user_id, city_tier, updated_at, registered_at
    from {{ source('raw', 'users') }}
),

-- one row per (user, updated_at): several exports of the same version are identical
distinct_versions as (
    select user_id, updated_at, max(registered_at) as registered_at, max(city_tier) as city_tier
    from versions
    group by user_id, updated_at
),

ordered as (
    select
        user_id,
        city_tier,
        updated_at,
        registered_at,
        row_number() over (partition by user_id order by updated_at) as version_no,
        lead(updated_at) over (partition by user_id order by updated_at) as next_updated_at
    from distinct_versions
)

select
    user_id,
    cast(city_tier as integer) as city_tier,
    -- the first version is valid from registration on
    case when version_no = 1 and registered_at < updated_at then registered_at else updated_at end
        as valid_from,
    next_updated_at as valid_to  -- null while the version is current
from ordered
