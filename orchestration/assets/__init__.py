"""Dagster assets, one file per family: landing files (external), raw ingestion, reference data,
dbt models, data-driven attribution, ML models and scores, serving (snapshot and report), and the
platform's asset checks."""
