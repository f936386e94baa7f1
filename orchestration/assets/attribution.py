"""The data-driven attribution assets (Markov removal effect, Shapley) of group ``attribution``.

One multi-asset writes the four tables of schema attribution_py (one asset key each,
attribution_py/<table>). It sits INSIDE the dbt graph: it reads marts.fct_conversion_paths (a
dbt model), and dbt declares attribution_py as a source whose tables carry these asset keys
(meta.dagster.asset_key), so the dbt marts built from them (mart_markov_*, mart_shapley_values,
mart_attribution_credits and what follows) are downstream of it. In a run that selects both,
Dagster splits the subsettable dbt multi-asset into two `dbt build` steps around this one.
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from ml.attribution.warehouse import SCHEMA, TABLES, run_data_driven_attribution
from orchestration.assets.dbt import lending_dbt_models
from orchestration.policy import ATTRIBUTION_GROUP
from orchestration.resources import WRITER_POOL, WarehouseResource

DESCRIPTIONS = {
    "markov_transitions": "Markov chain transitions per conversion type (mart_markov_transitions).",
    "markov_removal_effects": "Markov removal effects and credits per channel.",
    "shapley_values": "Exact Shapley values and credits per channel.",
    "path_weights": "Per converting path: each channel's share under markov and shapley.",
}
PATHS_KEY = get_asset_key_for_model([lending_dbt_models], "fct_conversion_paths")


@dg.multi_asset(
    name="data_driven_attribution",
    specs=[
        dg.AssetSpec(
            key=[SCHEMA, table],
            deps=[PATHS_KEY],
            group_name=ATTRIBUTION_GROUP,
            kinds={"python", "duckdb"},
            description=f"{DESCRIPTIONS[table]} Computed from the aggregated paths of "
            "fct_conversion_paths (ml/attribution/; docs/attribution_definitions.md).",
        )
        for table in TABLES
    ],
    pool=WRITER_POOL,
)
def data_driven_attribution(duckdb: WarehouseResource):
    """All four tables in one transaction (they must agree), hence not subsettable."""
    with duckdb.get_connection() as con:
        counts = run_data_driven_attribution(con)
    shared = {"distinct_paths": counts["distinct_paths"], "journeys": counts["journeys"]}
    for table in TABLES:
        yield dg.MaterializeResult(
            asset_key=[SCHEMA, table], metadata={**shared, "dagster/row_count": counts[table]}
        )
