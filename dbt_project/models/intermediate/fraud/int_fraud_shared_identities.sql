-- Shared identities: every (identity type, hash, user) whose hash was held by at least two
-- different users at any time, with when the user first held it and the hash's anchor (its
-- smallest user_id: the star edges user -> anchor connect the clusters without a quadratic
-- self-join). Definitions: docs/fraud_definitions.md.
with held as (
    select
        identity_type,
        identity_hash,
        user_id,
        min(valid_from) as first_held_at
    from {{ ref('int_fraud_user_identity_versions') }}
    group by identity_type, identity_hash, user_id
),

shared_hashes as (
    select
        identity_type,
        identity_hash,
        min(user_id) as anchor_user_id,
        count(*) as users_sharing
    from held
    group by identity_type, identity_hash
    having count(*) >= 2
)

select
    h.identity_type,
    h.identity_hash,
    h.user_id,
    h.first_held_at,
    s.anchor_user_id,
    cast(s.users_sharing as integer) as users_sharing
from held as h
inner join shared_hashes as s
    on s.identity_type = h.identity_type
   and s.identity_hash = h.identity_hash
