-- User x reporting month-end lifecycle stage and tier, as analysts read it: built (incrementally,
-- docs/incremental.md) in int_lifecycle_user_months, which the models below the marts read, and
-- published here as a view: no second copy to rewrite every day. Definitions: this model's YAML.
{{ config(materialized='view') }}
select * from {{ ref('int_lifecycle_user_months') }}
