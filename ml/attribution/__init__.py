"""Data-driven channel attribution (Markov removal effect, Shapley), plain numpy.

No Dagster here. The math (markov.py, shapley.py, data_driven.py) takes aggregated journeys (one
row per distinct path and outcome, with a journey count) and returns tables, so it is tested on
its own; warehouse.py reads those journeys from the warehouse and writes the result tables, called
by a thin Dagster asset (orchestration/assets/attribution.py). Definitions:
docs/attribution_definitions.md.
"""

PATH_SEPARATOR = " > "
