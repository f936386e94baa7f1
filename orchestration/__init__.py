"""Dagster code location of the lending data platform (landing -> raw -> dbt marts -> ML).

Dagster definitions only, one concept per file, thin shells over ``lending/`` (plain Python) and
``ml/`` (models): docs/architecture.md, "The house plan"."""
