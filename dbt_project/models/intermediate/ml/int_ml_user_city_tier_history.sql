-- City tier of every user over time: user x [valid_from, valid_to) from every exported version of
-- the user record (stg_user_versions; stg_users keeps only the newest version, which would leak a
-- later move into features dated before it). Only non-personal columns are read.
with distinct_versions as (
    select user_id, updated_at, registered_at, city_tier
    from {{ ref('stg_user_versions') }}
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
