-- Allowance and NPL under each macro scenario alone, per reporting month-end: the ECL every loan
-- would carry if the scenario were certain (PD x the scenario's multiplier, capped at 1), and the
-- stressed NPL. The probability-weighted allowance of mart_ecl_monthly is the weight-sum of these
-- allowances (up to the cent rounding per loan; tested). Definitions: docs/regulatory_definitions.md.
with loan_scenario as (
    select
        e.month_end_date,
        e.is_complete_month,
        s.scenario,
        s.weight,
        s.pd_multiplier,
        e.stage,
        e.is_npl,
        e.ead,
        {{ round_cents('case when e.pd_applied * s.pd_multiplier > 1 then 1.0
                                else e.pd_applied * s.pd_multiplier end * e.lgd * e.ead') }} as allowance,
        -- performing loans expected to default within 12 months under the scenario
        case
            when e.is_npl then e.ead
            else {{ round_cents('case when e.pd_12m * s.pd_multiplier > 1 then 1.0
                                     else e.pd_12m * s.pd_multiplier end * e.ead') }}
        end as stressed_npl_principal
    from {{ ref('int_ecl_loan_month_end') }} as e
    inner join {{ ref('int_ecl_scenarios_monthly') }} as s
        on s.month_end_date = e.month_end_date
),

aggregated as (
    select
        month_end_date,
        max(case when is_complete_month then 1 else 0 end) as is_complete_month,
        scenario,
        max(weight) as weight,
        max(pd_multiplier) as pd_multiplier,
        count(*) as loans,
        sum(ead) as gross_carrying_amount,
        sum(allowance) as allowance,
        {%- for stage in [1, 2, 3] %}
        sum(case when stage = {{ stage }} then allowance else 0 end) as allowance_stage_{{ stage }},
        {%- endfor %}
        sum(case when is_npl then ead else 0 end) as npl_principal,
        sum(stressed_npl_principal) as stressed_npl_principal
    from loan_scenario
    group by month_end_date, scenario
)

select
    cast(month_end_date as date) as month_end_date,
    cast(is_complete_month = 1 as boolean) as is_complete_month,
    cast(scenario as {{ dbt.type_string() }}) as scenario,
    cast(weight as double) as weight,
    cast(pd_multiplier as double) as pd_multiplier,
    cast(loans as bigint) as loans,
    cast(gross_carrying_amount as decimal(18, 2)) as gross_carrying_amount,
    cast(allowance as decimal(18, 2)) as allowance,
    {%- for stage in [1, 2, 3] %}
    cast(allowance_stage_{{ stage }} as decimal(18, 2)) as allowance_stage_{{ stage }},
    {%- endfor %}
    cast(case when gross_carrying_amount > 0
              then cast(allowance as double) / gross_carrying_amount end as double) as coverage_ratio,
    cast(npl_principal as decimal(18, 2)) as npl_principal,
    cast(case when gross_carrying_amount > 0
              then cast(npl_principal as double) / gross_carrying_amount end as double) as npl_ratio,
    cast(stressed_npl_principal as decimal(18, 2)) as stressed_npl_principal,
    cast(case when gross_carrying_amount > 0
              then cast(stressed_npl_principal as double) / gross_carrying_amount end as double)
        as stressed_npl_ratio
from aggregated
