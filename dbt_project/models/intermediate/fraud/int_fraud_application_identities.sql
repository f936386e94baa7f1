-- Every application with the applicant's phone hash as it was at applied_at (the version of the
-- user record valid then: valid_from <= applied_at < valid_to), for point-in-time phone velocity
-- (definitions: docs/fraud_definitions.md). Null when no version was valid yet.
with applications as (
    select application_id, user_id, applied_at
    from {{ ref('stg_applications') }}
),

phones as (
    select user_id, identity_hash, valid_from, valid_to
    from {{ ref('int_fraud_user_identity_versions') }}
    where identity_type = 'phone'
),

matched as (
    select
        a.application_id,
        p.identity_hash,
        row_number() over (
            partition by a.application_id
            order by p.valid_from desc
        ) as rn
    from applications as a
    inner join phones as p
        on p.user_id = a.user_id
       and p.valid_from <= a.applied_at
       and (p.valid_to is null or a.applied_at < p.valid_to)
)

select
    a.application_id,
    a.user_id,
    a.applied_at,
    m.identity_hash as phone_hash
from applications as a
left join matched as m
    on m.application_id = a.application_id
   and m.rn = 1
