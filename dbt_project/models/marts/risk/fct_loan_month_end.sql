-- Loan x reporting month-end, as analysts read it: built in int_risk_loan_month_end (the risk and
-- finance intermediates read it there, below the marts) and published here unchanged.
-- Definitions: this model's YAML.
select * from {{ ref('int_risk_loan_month_end') }}
