"""The serving snapshot asset: what BI tools read, published after the marts are built."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.assets.ingestion import WRITER_POOL
from orchestration.serving import PUBLISHED_SCHEMAS, SNAPSHOT_NAME, publish_snapshot


def build_serving_asset(upstream: dg.AssetsDefinition, serving_dir: str) -> dg.AssetsDefinition:
    deps = sorted(
        (k for k in upstream.keys if k.path[0] in PUBLISHED_SCHEMAS), key=lambda k: k.path
    )

    @dg.asset(
        key=["serving", "warehouse_snapshot"],
        deps=deps,
        description=f"Read-only copy of the {', '.join(PUBLISHED_SCHEMAS)} schemas in "
        f"{serving_dir}/{SNAPSHOT_NAME}, swapped in atomically: BI tools and analysts read this "
        "file, never the warehouse the pipeline writes.",
        group_name="serving",
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        pool=WRITER_POOL,
    )
    def warehouse_snapshot(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            counts = publish_snapshot(con, serving_dir)
        return dg.MaterializeResult(
            metadata={"path": f"{serving_dir}/{SNAPSHOT_NAME}", "tables": len(counts),
                      "row_counts": counts}
        )

    return warehouse_snapshot
