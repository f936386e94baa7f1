-- The touches that count for attribution, with the resolved user, as analysts read them: built
-- (incrementally, docs/incremental.md) in int_attribution_touchpoints, which the attribution
-- intermediates read below the marts, and published here as a view: no second copy of the
-- largest fact to rewrite every day. Definitions: this model's YAML.
{{ config(materialized='view') }}
select * from {{ ref('int_attribution_touchpoints') }}
