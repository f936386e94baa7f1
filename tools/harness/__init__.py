"""Simulate and build: a dataset from the simulator, loaded and built by dbt on DuckDB or Spark,
for the Spark parity tests, the ML end-to-end test and the benchmark; edits of a landing zone that
real deliveries make (`landing_edits.py`), for the incremental tests and the late-rows day."""
