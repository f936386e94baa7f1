"""Dagster code location of the lending data platform (landing -> raw -> dbt marts -> ML)."""
