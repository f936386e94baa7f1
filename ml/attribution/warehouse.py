"""Data-driven attribution against the warehouse: read aggregated paths, write result tables.

Plain function (no Dagster) so it is testable with a bare DuckDB connection; the asset in
orchestration/assets/attribution.py is its thin shell. It lives next to the math (ml/attribution/)
rather than in lending/: the core package never imports ml/, and this is the one module that needs
both the math and the warehouse. Identical paths are aggregated in SQL
first (one row per conversion type, path and outcome), so millions of journeys reach Python as a
few thousand rows. All result tables are replaced in one transaction: a re-run is safe and
readers never see half a result.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from lending.lake import export_raw_to_parquet
from ml.attribution.data_driven import attribute

SCHEMA = "attribution_py"
PATHS_RELATION = "marts.fct_conversion_paths"
AGGREGATE_SQL = f"""
    select conversion_type, path, converted, count(*) as journeys
    from {PATHS_RELATION}
    group by conversion_type, path, converted
    order by conversion_type, path, converted
"""
# Column types of the result tables (dbt declares them as source attribution_py).
TABLES = {
    "markov_transitions": {"conversion_type": "varchar", "from_state": "varchar",
                           "to_state": "varchar", "transitions": "double", "probability": "double"},
    "markov_removal_effects": {"conversion_type": "varchar", "channel": "varchar",
                               "conversion_probability": "double",
                               "conversion_probability_without": "double",
                               "removal_effect": "double", "credit": "double"},
    "shapley_values": {"conversion_type": "varchar", "channel": "varchar",
                       "shapley_value": "double", "credit": "double"},
    "path_weights": {"conversion_type": "varchar", "model": "varchar", "path": "varchar",
                     "channel": "varchar", "weight": "double"},
}


def run_data_driven_attribution(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Compute Markov and Shapley attribution from fct_conversion_paths; return rows written."""
    return write_data_driven_attribution(con, con.execute(AGGREGATE_SQL).df())


def write_data_driven_attribution(
    con: duckdb.DuckDBPyConnection, aggregated: pd.DataFrame
) -> dict[str, int]:
    """The math of ml/attribution on ``aggregated`` (the rows of AGGREGATE_SQL, from whichever
    engine built fct_conversion_paths), written as typed tables of SCHEMA in ``con``.

    Separate from the read so another engine's paths can be attributed: on Spark the paths are
    read from Spark and the tables written to an in-memory DuckDB, then exported to the Parquet
    lake (``export_data_driven_attribution``).
    """
    tables = attribute(aggregated)
    counts = {"distinct_paths": len(aggregated), "journeys": int(aggregated["journeys"].sum())}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        for name, columns in TABLES.items():
            frame = getattr(tables, name.removeprefix("markov_"))
            con.register("attribution_frame", frame)
            select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns.items())
            con.execute(f"create or replace table {SCHEMA}.{name} as "
                        f"select {select} from attribution_frame")
            con.unregister("attribution_frame")
            counts[name] = len(frame)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def export_data_driven_attribution(aggregated: pd.DataFrame, lake_dir: Path) -> dict[str, int]:
    """For a warehouse that is not DuckDB (Spark): the same tables, same types, written to
    ``<lake_dir>/attribution_py/<table>/`` where the dbt spark target registers them as source
    attribution_py (macro register_lake_sources). ``aggregated``: AGGREGATE_SQL run on that
    warehouse. Returns rows written per table, as run_data_driven_attribution."""
    with duckdb.connect() as con:
        counts = write_data_driven_attribution(con, aggregated)
        export_raw_to_parquet(con, lake_dir, tables=list(TABLES), schema=SCHEMA)
    return counts


def main(argv: list[str] | None = None) -> None:
    """`python -m ml.attribution.warehouse`: the asset's work without Dagster (dbt by hand)."""
    import argparse

    from lending.settings import Settings

    argparse.ArgumentParser(description="Markov and Shapley attribution of the warehouse's "
                            "marts.fct_conversion_paths into schema attribution_py.").parse_args(argv)
    warehouse = Settings.from_env().warehouse()
    if not warehouse.path.is_file():
        raise SystemExit(f"No warehouse at {warehouse.path}: run `make run` first.")
    with warehouse.connect() as con:
        print(run_data_driven_attribution(con))


if __name__ == "__main__":
    main()
