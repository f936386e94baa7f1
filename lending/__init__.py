"""The lending platform without Dagster: settings, the warehouse connection, the landing
contract, ingestion, reference data, quality checks, serving, the report and dbt helpers.

Plain Python (never imports Dagster: tests/unit/test_layering.py); ``orchestration/`` wraps it
in Dagster definitions, ``ml/`` builds models on it.
"""
