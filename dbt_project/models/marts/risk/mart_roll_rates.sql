-- Roll rates as analysts read them: built in int_risk_roll_rates (the regulatory lifetime-PD chain
-- reads it there, below the marts) and published here unchanged. Definitions: this model's YAML.
select * from {{ ref('int_risk_roll_rates') }}
