-- Credit of each channel in each conversion under every model: the five rule-based models
-- (int_attribution_rule_credit_values, by journey) and markov and shapley
-- (int_attribution_data_driven_credits, rebuilt with each day's path weights). A view: the two
-- tables hold its rows, so a day writes the journeys that changed and the data-driven rows only.
{{ config(materialized='view') }}
select
    journey_id, conversion_type, user_id, loan_id, converted_at, converted_month, model, channel,
    credit, value
from {{ ref('int_attribution_rule_credit_values') }}

union all

select
    journey_id, conversion_type, user_id, loan_id, converted_at, converted_month, model, channel,
    credit, value
from {{ ref('int_attribution_data_driven_credits') }}
