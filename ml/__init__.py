"""Model training and scoring (credit default, retention) as plain Python: no Dagster imports.

Dagster assets in ``orchestration/`` call into this package; it reads features from the warehouse
and writes models under LENDING_MODELS_DIR.
"""
