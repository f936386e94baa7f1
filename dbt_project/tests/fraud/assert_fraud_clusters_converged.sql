{{ config(meta={"dagster": {"ref": {"name": "int_fraud_user_clusters"}}}) }}
{#- Guard of int_fraud_user_clusters: label propagation ran a bounded number of rounds
    (var fraud_cluster_rounds). At convergence every edge joins two users of the same cluster; a
    row here is an edge still crossing two labels, i.e. the bound was too small for the longest
    chain in the data: raise fraud_cluster_rounds. -#}
select s.identity_type, s.user_id, s.anchor_user_id, cu.cluster_id, ca.cluster_id as anchor_cluster_id
from {{ ref('int_fraud_shared_identities') }} as s
inner join {{ ref('int_fraud_user_clusters') }} as cu
    on cu.user_id = s.user_id
inner join {{ ref('int_fraud_user_clusters') }} as ca
    on ca.user_id = s.anchor_user_id
where cu.cluster_id <> ca.cluster_id
