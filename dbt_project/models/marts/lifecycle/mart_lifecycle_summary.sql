-- Reporting month-end x acquisition channel x stage: users in the stage, and the same users split
-- by their stage at the previous month-end (a transition count; from_none = registered in the
-- month, so there is no previous month-end). Built on mart_user_lifecycle_monthly; the users of a
-- month-end sum to the users registered by it (tested).
select
    month_end_date,
    is_complete_month,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(stage as {{ dbt.type_string() }}) as stage,
    cast(count(*) as integer) as users,
    cast(sum(case when previous_stage is null then 1 else 0 end) as integer) as from_none,
    cast(sum(case when previous_stage = 'new' then 1 else 0 end) as integer) as from_new,
    cast(sum(case when previous_stage = 'active' then 1 else 0 end) as integer) as from_active,
    cast(sum(case when previous_stage = 'reactivated' then 1 else 0 end) as integer) as from_reactivated,
    cast(sum(case when previous_stage = 'dormant' then 1 else 0 end) as integer) as from_dormant,
    cast(sum(case when previous_stage = 'churned' then 1 else 0 end) as integer) as from_churned
from {{ ref('mart_user_lifecycle_monthly') }}
group by month_end_date, is_complete_month, acquisition_channel, stage
