-- Shared-identity clusters of two or more users, as of the data end: who is in them, what they
-- borrowed and how much of it was never paid (definitions: docs/fraud_definitions.md).
with members as (
    select user_id, cluster_id, cluster_users
    from {{ ref('int_fraud_user_clusters') }}
    where cluster_users >= 2
),

users as (
    select
        m.cluster_id,
        max(m.cluster_users) as users,
        min(u.registered_at) as first_registered_at,
        max(u.registered_at) as last_registered_at
    from members as m
    inner join {{ ref('stg_users') }} as u
        on u.user_id = m.user_id
    group by m.cluster_id
),

links as (
    select
        m.cluster_id,
        count(distinct case when s.identity_type = 'phone' then s.identity_hash end) as shared_phone_hashes,
        count(distinct case when s.identity_type = 'id_number' then s.identity_hash end) as shared_id_number_hashes
    from members as m
    inner join {{ ref('int_fraud_shared_identities') }} as s
        on s.user_id = m.user_id
    group by m.cluster_id
),

applications as (
    select m.cluster_id, count(*) as applications
    from members as m
    inner join {{ ref('stg_applications') }} as a
        on a.user_id = m.user_id
    group by m.cluster_id
),

loans as (
    select
        m.cluster_id,
        count(*) as loans,
        sum(l.principal) as principal,
        sum(case when l.is_never_pay_observable then 1 else 0 end) as observable_loans,
        sum(case when l.is_never_pay then 1 else 0 end) as never_pay_loans,
        sum(case when l.is_never_pay then l.principal else 0 end) as never_pay_principal
    from members as m
    inner join {{ ref('int_fraud_loan_never_pay') }} as l
        on l.user_id = m.user_id
    group by m.cluster_id
)

select
    cast(u.cluster_id as {{ dbt.type_string() }}) as cluster_id,
    cast(u.users as integer) as users,
    cast(coalesce(k.shared_phone_hashes, 0) as integer) as shared_phone_hashes,
    cast(coalesce(k.shared_id_number_hashes, 0) as integer) as shared_id_number_hashes,
    u.first_registered_at,
    u.last_registered_at,
    cast(coalesce(a.applications, 0) as integer) as applications,
    cast(coalesce(l.loans, 0) as integer) as loans,
    cast(coalesce(l.principal, 0) as decimal(18, 2)) as principal,
    cast(coalesce(l.observable_loans, 0) as integer) as never_pay_observable_loans,
    cast(coalesce(l.never_pay_loans, 0) as integer) as never_pay_loans,
    cast(coalesce(l.never_pay_principal, 0) as decimal(18, 2)) as never_pay_principal,
    cast(case when l.observable_loans > 0 then l.never_pay_loans * 1.0 / l.observable_loans end as double)
        as never_pay_rate
from users as u
left join links as k
    on k.cluster_id = u.cluster_id
left join applications as a
    on a.cluster_id = u.cluster_id
left join loans as l
    on l.cluster_id = u.cluster_id
