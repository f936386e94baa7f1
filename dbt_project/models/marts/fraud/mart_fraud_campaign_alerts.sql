-- Campaign alerts: never-pay rate of the loans of each acquisition campaign per disbursement week
-- against the trailing rate of all campaigns of its channel (definitions:
-- docs/fraud_definitions.md#campaign-alert). Loans of users without a campaign (organic, direct)
-- are not in it. Thresholds: vars fraud_alert_* in dbt_project.yml.
{%- set min_loans = var('fraud_alert_min_loans', 20) %}
{%- set multiple = var('fraud_alert_rate_multiple', 3) %}
{%- set weeks = var('fraud_alert_baseline_weeks', 8) %}

with loans as (
    select
        acquisition_campaign_id,
        acquisition_channel,
        cast({{ dbt.date_trunc('week', 'disbursed_date') }} as date) as disbursed_week,
        principal,
        is_never_pay_observable,
        is_never_pay
    from {{ ref('int_fraud_loan_never_pay') }}
    where acquisition_campaign_id is not null
),

campaign_weeks as (
    select
        acquisition_campaign_id,
        acquisition_channel,
        disbursed_week,
        count(*) as loans,
        sum(principal) as principal,
        sum(case when is_never_pay_observable then 1 else 0 end) as observable_loans,
        sum(case when is_never_pay then 1 else 0 end) as never_pay_loans
    from loans
    group by acquisition_campaign_id, acquisition_channel, disbursed_week
),

channel_weeks as (
    select
        acquisition_channel,
        disbursed_week,
        sum(observable_loans) as observable_loans,
        sum(never_pay_loans) as never_pay_loans
    from campaign_weeks
    group by acquisition_channel, disbursed_week
),

-- all campaigns of the channel in the {{ weeks }} weeks before the week (the week itself excluded)
baseline as (
    select
        c.acquisition_campaign_id,
        c.disbursed_week,
        sum(b.observable_loans) as observable_loans,
        sum(b.never_pay_loans) as never_pay_loans
    from campaign_weeks as c
    inner join channel_weeks as b
        on b.acquisition_channel = c.acquisition_channel
       and b.disbursed_week >= {{ risk_add_days('c.disbursed_week', -7 * weeks) }}
       and b.disbursed_week < c.disbursed_week
    group by c.acquisition_campaign_id, c.disbursed_week
),

rated as (
    select
        c.acquisition_campaign_id,
        c.acquisition_channel,
        c.disbursed_week,
        c.loans,
        c.principal,
        c.observable_loans,
        c.never_pay_loans,
        case when c.observable_loans > 0 then c.never_pay_loans * 1.0 / c.observable_loans end as never_pay_rate,
        coalesce(b.observable_loans, 0) as baseline_observable_loans,
        coalesce(b.never_pay_loans, 0) as baseline_never_pay_loans,
        case when b.observable_loans > 0 then b.never_pay_loans * 1.0 / b.observable_loans end as baseline_rate
    from campaign_weeks as c
    left join baseline as b
        on b.acquisition_campaign_id = c.acquisition_campaign_id
       and b.disbursed_week = c.disbursed_week
)

select
    cast(acquisition_campaign_id as {{ dbt.type_string() }}) as acquisition_campaign_id,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    disbursed_week,
    cast(loans as integer) as loans,
    cast(principal as decimal(18, 2)) as principal,
    cast(observable_loans as integer) as never_pay_observable_loans,
    cast(never_pay_loans as integer) as never_pay_loans,
    cast(never_pay_rate as double) as never_pay_rate,
    cast(baseline_observable_loans as integer) as baseline_observable_loans,
    cast(baseline_never_pay_loans as integer) as baseline_never_pay_loans,
    cast(baseline_rate as double) as baseline_never_pay_rate,
    -- rate > multiple x baseline, cross-multiplied in integers (exact at the boundary)
    case
        when observable_loans >= {{ min_loans }}
             and baseline_observable_loans > 0
             and never_pay_loans * baseline_observable_loans
                 > {{ multiple }} * baseline_never_pay_loans * observable_loans then true
        else false
    end as is_alert
from rated
