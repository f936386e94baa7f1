"""Data-driven channel attribution (Markov removal effect, Shapley), plain numpy.

No Dagster and no warehouse here: the functions take aggregated journeys (one row per distinct
path and outcome, with a journey count) and return tables, so they are tested on their own and
called by a thin Dagster asset (orchestration/assets/attribution.py). Definitions:
docs/attribution_definitions.md.
"""

PATH_SEPARATOR = " > "
