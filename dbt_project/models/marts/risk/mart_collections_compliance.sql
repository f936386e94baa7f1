-- Collections compliance per action month (local) x agent: actions, violations by rule
-- (int_risk_collection_actions_flagged), borrowers contacted and affected by a violation.
select
    cast(action_month as date) as action_month,
    cast(agent_id as {{ dbt.type_string() }}) as agent_id,
    cast(count(*) as bigint) as actions,
    cast(sum(case when is_call then 1 else 0 end) as bigint) as calls,
    cast(count(distinct loan_id) as bigint) as loans_contacted,
    cast(count(distinct borrower_id) as bigint) as borrowers_contacted,
    cast(sum(case when is_outside_call_hours then 1 else 0 end) as bigint) as violations_outside_call_hours,
    cast(sum(case when is_excess_daily_call then 1 else 0 end) as bigint) as violations_excess_daily_calls,
    cast(sum(case when is_third_party_contact then 1 else 0 end) as bigint) as violations_third_party_contact,
    cast(sum(case when is_outside_call_hours or is_excess_daily_call or is_third_party_contact
                  then 1 else 0 end) as bigint) as actions_with_violation,
    cast(count(distinct case when is_outside_call_hours or is_excess_daily_call or is_third_party_contact
                             then borrower_id end) as bigint) as borrowers_affected,
    cast(sum(case when is_outside_call_hours or is_excess_daily_call or is_third_party_contact
                  then 1 else 0 end) * 1.0 / count(*) as double) as violation_rate
from {{ ref('int_risk_collection_actions_flagged') }}
group by action_month, agent_id
