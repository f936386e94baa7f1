-- KPI scorecard: reporting month x KPI, actual against the business plan (seed plan_targets).
-- Every actual is the all-segment figure of an existing mart, by that mart's own definition
-- (source_mart names it); definitions and status rules: docs/kpi_definitions.md.
with months as (
    select month_start_date, month_end_date, is_complete_month
    from {{ ref('int_lifecycle_month_ends') }}
),

targets as (
    select kpi, kpi_name, direction, target_min, target_max, min_history_months, unit
    from {{ ref('plan_targets') }}
),

-- balance-weighted NPL ratio of the month-end (mart_portfolio_monthly.npl_ratio)
npl as (
    select
        {{ risk_month_start('month_end_date') }} as month_start_date,
        'npl_ratio' as kpi,
        cast(npl_ratio as double) as actual
    from {{ ref('mart_portfolio_monthly') }}
),

-- loss allowance / gross carrying amount at the month-end over all stages and segments
-- (mart_ecl_monthly.coverage_ratio without the split)
coverage as (
    select
        {{ risk_month_start('month_end_date') }} as month_start_date,
        'ecl_coverage_ratio' as kpi,
        case when sum(gross_carrying_amount) > 0
             then cast(sum(allowance) as double) / sum(gross_carrying_amount) end as actual
    from {{ ref('mart_ecl_monthly') }}
    group by month_end_date
),

-- registrations / visitors of the month over all channels (mart_funnel_monthly)
conversion as (
    select
        month_start_date,
        'registration_conversion' as kpi,
        case when sum(visitors) > 0 then 1.0 * sum(registrations) / sum(visitors) end as actual
    from {{ ref('mart_funnel_monthly') }}
    group by month_start_date
),

-- registered users at the month-end / 12 months earlier - 1 (mart_growth_monthly)
growth as (
    select
        month_start_date,
        'user_growth_yoy' as kpi,
        cast(registered_users_yoy_growth as double) as actual
    from {{ ref('mart_growth_monthly') }}
),

-- principal-weighted contract APR of the loans disbursed from the month's applications, and
-- approved / decided applications of the month (mart_approvals_monthly)
approvals as (
    select
        application_month as month_start_date,
        case when sum(disbursed_principal) > 0
             then sum(case when avg_apr_disbursed is not null
                           then avg_apr_disbursed * cast(disbursed_principal as double) else 0 end)
                  / cast(sum(disbursed_principal) as double)
        end as avg_apr,
        case when sum(decided) > 0 then 1.0 * sum(approved) / sum(decided) end as approval_rate
    from {{ ref('mart_approvals_monthly') }}
    group by application_month
),

-- spend / credited new borrowers over the paid channels (mart_channel_performance_monthly)
cac as (
    select
        month as month_start_date,
        'cac_per_new_borrower' as kpi,
        case when sum(case when is_paid then new_borrowers else 0 end) > 0
             then cast(sum(case when is_paid then spend else 0 end) as double)
                  / sum(case when is_paid then new_borrowers else 0 end)
        end as actual
    from {{ ref('mart_channel_performance_monthly') }}
    group by month
),

actuals as (
    select month_start_date, kpi, actual from npl
    union all
    select month_start_date, kpi, actual from coverage
    union all
    select month_start_date, kpi, actual from conversion
    union all
    select month_start_date, kpi, actual from growth
    union all
    select month_start_date, 'avg_apr', avg_apr from approvals
    union all
    select month_start_date, 'approval_rate', approval_rate from approvals
    union all
    select month_start_date, kpi, actual from cac
),

-- months of the KPI's own history: since the first month its source mart has a row
first_months as (
    select kpi, min(month_start_date) as first_month
    from actuals
    group by kpi
),

with_history as (
    select
        a.month_start_date,
        a.kpi,
        a.actual,
        {{ dbt.datediff('f.first_month', 'a.month_start_date', 'month') }} as history_months
    from actuals as a
    inner join first_months as f
        on f.kpi = a.kpi
),

-- the mart each KPI's actual comes from (the CTE of the same name above)
sources as (
    select kpi, source_mart
    from (values
        ('npl_ratio', 'mart_portfolio_monthly'),
        ('ecl_coverage_ratio', 'mart_ecl_monthly'),
        ('registration_conversion', 'mart_funnel_monthly'),
        ('user_growth_yoy', 'mart_growth_monthly'),
        ('avg_apr', 'mart_approvals_monthly'),
        ('approval_rate', 'mart_approvals_monthly'),
        ('cac_per_new_borrower', 'mart_channel_performance_monthly')
    ) as t (kpi, source_mart)
),

graded as (
    select
        m.month_start_date,
        m.month_end_date,
        m.is_complete_month,
        t.kpi,
        t.kpi_name,
        s.source_mart,
        t.unit,
        a.actual,
        t.direction,
        t.target_min,
        t.target_max,
        case
            when a.actual is null then 'no_data'
            when not m.is_complete_month then 'incomplete_month'
            when a.history_months < t.min_history_months then 'history_too_short'
        end as status_reason,
        case
            when t.direction = 'below' then a.actual < t.target_max
            when t.direction = 'at_most' then a.actual <= t.target_max
            when t.direction = 'at_least' then a.actual >= t.target_min
            when t.direction = 'within' then a.actual >= t.target_min and a.actual <= t.target_max
        end as is_met
    from months as m
    cross join targets as t
    left join sources as s
        on s.kpi = t.kpi
    left join with_history as a
        on a.month_start_date = m.month_start_date
       and a.kpi = t.kpi
)

select
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    is_complete_month,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(kpi_name as {{ dbt.type_string() }}) as kpi_name,
    cast(source_mart as {{ dbt.type_string() }}) as source_mart,
    cast(unit as {{ dbt.type_string() }}) as unit,
    cast(actual as double) as actual,
    cast(direction as {{ dbt.type_string() }}) as direction,
    cast(target_min as double) as target_min,
    cast(target_max as double) as target_max,
    cast(case
        when status_reason is not null then 'not_observable'
        when is_met then 'met'
        else 'missed'
    end as {{ dbt.type_string() }}) as status,
    cast(status_reason as {{ dbt.type_string() }}) as status_reason
from graded
