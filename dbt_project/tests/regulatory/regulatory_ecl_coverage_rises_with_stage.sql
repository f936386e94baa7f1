{{ config(severity='warn', meta={"dagster": {"ref": {"name": "mart_ecl_monthly"}}}) }}
-- Plausibility (warn): in every complete month-end, coverage (allowance / gross carrying amount)
-- rises with the stage: a credit-impaired loan carries more allowance per CNY than one with a
-- significant increase in credit risk, which carries more than a performing one. Not guaranteed by
-- construction (a scored stage-1 loan can carry a high model PD), so a warning to look at.
with stages as (
    select
        month_end_date,
        stage,
        cast(sum(allowance) as double) / sum(gross_carrying_amount) as coverage_ratio
    from {{ ref('mart_ecl_monthly') }}
    where is_complete_month
    group by month_end_date, stage
    having sum(gross_carrying_amount) > 0
)

select lower_stage.month_end_date, lower_stage.stage, lower_stage.coverage_ratio,
       higher_stage.stage as higher_stage, higher_stage.coverage_ratio as higher_coverage_ratio
from stages as lower_stage
inner join stages as higher_stage
    on higher_stage.month_end_date = lower_stage.month_end_date
   and higher_stage.stage > lower_stage.stage
where higher_stage.coverage_ratio < lower_stage.coverage_ratio
