-- Collection contacts per loan and local day, with compliance violation counts
-- (rules in int_risk_collection_actions_flagged).
-- Incremental by action_date (docs/incremental.md): a row is its loan's flagged actions of that
-- day, whose window (and also_from) it shares.
-- depends_on: {{ ref('stg_collection_actions') }} {{ ref('stg_loans') }}
{{ config(**incremental_by_window('action_date', also_from='risk_collection_also_from')) }}
{%- set window_from = incremental_window() %}

select
    loan_id,
    action_date,
    max(borrower_id) as borrower_id,
    cast(count(*) as integer) as contacts,
    cast(sum(case when is_call then 1 else 0 end) as integer) as calls,
    cast(sum(case when is_call and contact_target = 'borrower' then 1 else 0 end) as integer) as borrower_calls,
    cast(sum(case when is_outside_call_hours then 1 else 0 end) as integer) as calls_outside_hours,
    cast(sum(case when is_excess_daily_call then 1 else 0 end) as integer) as excess_daily_calls,
    cast(sum(case when is_third_party_contact then 1 else 0 end) as integer) as third_party_contacts,
    cast(sum(case when is_outside_call_hours or is_excess_daily_call or is_third_party_contact
                  then 1 else 0 end) as integer) as actions_with_violation
from {{ ref('int_risk_collection_actions_flagged') }}
{{ window_where('action_date', window_from) }}
group by loan_id, action_date
