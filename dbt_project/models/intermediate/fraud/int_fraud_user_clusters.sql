-- Shared-identity cluster of every user: the connected component of the graph whose edges join
-- users that held the same phone or ID-number hash (definitions: docs/fraud_definitions.md).
-- cluster_id = the smallest user_id in the component.
--
-- Portable SQL (DuckDB and Spark, no recursive CTE): min-label propagation unrolled by a Jinja
-- loop for var('fraud_cluster_rounds') rounds. Each round takes the smallest label among a user
-- and its neighbours, then jumps to the label of the label's own node (pointer jumping), so a
-- chain of length d settles in about log2(d) + 1 rounds. Guard: the singular test
-- assert_fraud_clusters_converged fails when an edge still joins two different labels (the bound
-- was too small: raise the var).
{%- set rounds = var('fraud_cluster_rounds', 8) %}

with users as (
    select user_id from {{ ref('stg_users') }}
),

shared as (
    select user_id, anchor_user_id
    from {{ ref('int_fraud_shared_identities') }}
    where user_id <> anchor_user_id
),

-- undirected star edges user <-> anchor of each shared hash
edges as (
    select user_id as src, anchor_user_id as dst from shared
    union
    select anchor_user_id as src, user_id as dst from shared
),

labels_0 as (
    select distinct src as user_id, src as label from edges
),
{%- for i in range(1, rounds + 1) %}

spread_{{ i }} as (
    select
        l.user_id,
        min(case when n.label < l.label then n.label else l.label end) as label
    from labels_{{ i - 1 }} as l
    left join edges as e
        on e.src = l.user_id
    left join labels_{{ i - 1 }} as n
        on n.user_id = e.dst
    group by l.user_id
),

labels_{{ i }} as (
    select
        s.user_id,
        case when j.label < s.label then j.label else s.label end as label
    from spread_{{ i }} as s
    left join spread_{{ i }} as j
        on j.user_id = s.label
),
{%- endfor %}

clustered as (
    select
        u.user_id,
        coalesce(l.label, u.user_id) as cluster_id
    from users as u
    left join labels_{{ rounds }} as l
        on l.user_id = u.user_id
)

select
    user_id,
    cluster_id,
    cast(count(*) over (partition by cluster_id) as integer) as cluster_users
from clustered
