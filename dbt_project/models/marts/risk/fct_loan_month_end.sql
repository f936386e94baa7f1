-- Loan x reporting month-end, as analysts read it: built (incrementally, docs/incremental.md) in
-- int_risk_loan_month_end, which the risk and finance intermediates read below the marts, and
-- published here as a view, as fct_touchpoints: no second copy of the grid (~16 M rows at L) to
-- rewrite on every run. Definitions: this model's YAML.
{{ config(materialized='view') }}
select * from {{ ref('int_risk_loan_month_end') }}
