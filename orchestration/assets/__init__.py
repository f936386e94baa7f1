"""Dagster assets: landing files (external), raw ingestion, dbt models."""
