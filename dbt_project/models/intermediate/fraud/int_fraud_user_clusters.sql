-- Shared-identity cluster of every user: the connected component of the graph whose edges join
-- users that held the same phone or ID-number hash (definitions: docs/fraud_definitions.md).
-- cluster_id = the smallest user_id in the component.
--
-- Portable SQL (DuckDB and Spark, no recursive CTE): min-label propagation unrolled by a Jinja
-- loop for var('fraud_cluster_rounds') rounds: each round a user takes the smallest label among
-- itself and its neighbours (edges plus a self-loop per user), so labels travel one hop a round
-- and a chain of d hops settles in d rounds. Each round reads the previous round ONCE: Spark
-- inlines CTEs, and a round reading its predecessor twice (e.g. pointer jumping) doubles the plan
-- every round (make test-spark ran out of memory on it). Guard: the singular test
-- assert_fraud_clusters_converged fails when an edge still joins two different labels (the bound
-- was too small: raise the var).
{%- set rounds = var('fraud_cluster_rounds', 10) %}

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

-- the edges plus a self-loop per linked user: min over (self, neighbours) in one join
hops as (
    select src, dst from edges
    union
    select src, src as dst from edges
),

labels_0 as (
    select distinct src as user_id, src as label from edges
),
{%- for i in range(1, rounds + 1) %}

labels_{{ i }} as (
    select
        h.src as user_id,
        min(l.label) as label
    from hops as h
    inner join labels_{{ i - 1 }} as l
        on l.user_id = h.dst
    group by h.src
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
