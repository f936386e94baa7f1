"""Model training and scoring (credit default, retention) and the attribution models (Markov,
Shapley) as plain Python: no Dagster imports (tests/unit/test_layering.py).

Dagster assets in ``orchestration/`` call into this package; it reads features from the warehouse
through the connection factory of ``lending.warehouse`` and registers models in MLflow under
``<LENDING_DATA_DIR>/mlflow``.
"""
