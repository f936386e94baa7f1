-- Compact daily history of every loan, as analysts read it: built in int_risk_loan_dpd_intervals
-- (int_finance_balances_monthly reads it there, below the marts) and published here unchanged.
-- Definitions: this model's YAML.
select * from {{ ref('int_risk_loan_dpd_intervals') }}
