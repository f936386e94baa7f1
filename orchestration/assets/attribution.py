"""The data-driven attribution asset (Markov removal effect, Shapley) of group ``attribution``.

It sits INSIDE the dbt graph: it reads marts.fct_conversion_paths (a dbt model) and writes the
schema attribution_py, which dbt declares as a source whose meta.dagster.asset_key is this
asset's key; the dbt marts built from it (mart_markov_*, mart_shapley_values,
mart_attribution_credits and what follows) are therefore downstream of it. In a run that selects
both, Dagster splits the (subsettable) dbt multi-asset into two `dbt build` steps around this one.
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from dagster_duckdb import DuckDBResource

from orchestration.assets.dbt import OWNERS, lending_dbt_models
from orchestration.assets.ingestion import WRITER_POOL
from orchestration.attribution import SCHEMA, run_data_driven_attribution

DATA_DRIVEN_KEY = dg.AssetKey(["attribution", "data_driven_attribution"])


@dg.asset(
    key=DATA_DRIVEN_KEY,
    deps=[get_asset_key_for_model([lending_dbt_models], "fct_conversion_paths")],
    group_name="attribution",
    kinds={"python", "duckdb"},
    owners=[OWNERS["attribution"]],
    pool=WRITER_POOL,
    description=f"Markov removal effects and exact Shapley values per conversion type, from the "
    f"aggregated paths of fct_conversion_paths, written to schema {SCHEMA} (math: "
    "ml/attribution/; definitions: docs/attribution_definitions.md).",
)
def data_driven_attribution(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        counts = run_data_driven_attribution(con)
    return dg.MaterializeResult(metadata={**counts, "dagster/row_count": counts["path_weights"]})
