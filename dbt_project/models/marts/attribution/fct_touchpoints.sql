-- The touches that count for attribution, with the resolved user, as analysts read them: built in
-- int_attribution_touchpoints (the attribution intermediates read it there, below the marts) and
-- published here unchanged. Definitions: this model's YAML.
select * from {{ ref('int_attribution_touchpoints') }}
