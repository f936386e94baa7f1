-- Collection actions with compliance flags, one row per action (thresholds are dbt vars):
--   outside_call_hours: a call whose local start time is before risk_call_window_start (08:00) or at
--     / after risk_call_window_end (21:00);
--   excess_daily_calls: a call to the borrower that is the (n+1)-th or later call to that borrower
--     (all their loans) on that local day, n = risk_max_borrower_calls_per_day (3), in time order;
--   third_party_contact: any contact whose target is 'third_party' (when risk_flag_third_party_contacts).
--
-- Incremental by action_date (docs/incremental.md): an action's flags compare it with the
-- borrower's other calls of the same local day only, and its borrower is its loan's user, so a
-- row dated D is made of the actions dated D and their loans (a changed loan is dated from its
-- disbursement; risk_collection_also_from covers actions dated before it or without a loan).
{{ config(**incremental_by_window('action_date', also_from='risk_collection_also_from')) }}
{%- set window_from = incremental_window() %}

with actions as (
    select
        c.action_id,
        c.loan_id,
        l.user_id,
        c.agent_id,
        c.action_at,
        c.action_date,
        c.action_local_time,
        c.action_type,
        c.contact_target,
        c.outcome
    from {{ ref('stg_collection_actions') }} as c
    left join {{ ref('stg_loans') }} as l on l.loan_id = c.loan_id
    {{ window_where('c.action_date', window_from) }}
),

borrower_calls as (
    select
        action_id,
        row_number() over (
            partition by coalesce(user_id, 'loan:' || loan_id), action_date
            order by action_at, action_id
        ) as borrower_call_seq_in_day
    from actions
    where action_type = 'call' and contact_target = 'borrower'
)

select
    a.action_id,
    a.loan_id,
    coalesce(a.user_id, 'loan:' || a.loan_id) as borrower_id,
    a.agent_id,
    a.action_at,
    a.action_date,
    {{ risk_month_start('a.action_date') }} as action_month,
    a.action_local_time,
    a.action_type,
    a.contact_target,
    a.outcome,
    a.action_type = 'call' as is_call,
    cast(b.borrower_call_seq_in_day as integer) as borrower_call_seq_in_day,
    coalesce(
        a.action_type = 'call'
        and (a.action_local_time < cast('{{ var("risk_call_window_start", "08:00:00") }}' as time)
             or a.action_local_time >= cast('{{ var("risk_call_window_end", "21:00:00") }}' as time)),
        false
    ) as is_outside_call_hours,
    coalesce(b.borrower_call_seq_in_day > {{ var('risk_max_borrower_calls_per_day', 3) }}, false)
        as is_excess_daily_call,
    {% if var('risk_flag_third_party_contacts', true) -%}
    a.contact_target = 'third_party'
    {%- else -%}
    false
    {%- endif %} as is_third_party_contact
from actions as a
left join borrower_calls as b on b.action_id = a.action_id
