"""The serving snapshot asset: what BI tools read, published after the marts and the ML scores."""

from collections.abc import Iterable

import dagster as dg
from dagster_duckdb import DuckDBResource

from lending.serving import (
    PARQUET_DIR,
    PARQUET_SCHEMAS,
    PUBLISHED_SCHEMAS,
    SNAPSHOT_NAME,
    publish,
)
from orchestration.assets.ingestion import WRITER_POOL


def serving_deps(upstream: Iterable[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Every upstream asset whose key starts with a published schema (marts/..., ml/...): the
    snapshot waits for all of them, whichever marts and score tables exist today."""
    keys = {k for assets in upstream for k in assets.keys if k.path[0] in PUBLISHED_SCHEMAS}
    return sorted(keys, key=lambda k: k.path)


def serving_metadata(published, serving_dir: str) -> dict:
    rows = "\n".join(f"| {relation} | {n} | {published.parquet_files.get(relation, '')} |"
                     for relation, n in sorted(published.row_counts.items()))
    return {
        "path": f"{serving_dir}/{SNAPSHOT_NAME}",
        "parquet_dir": f"{serving_dir}/{PARQUET_DIR}",
        "version": published.version,
        "version_dir": str(published.version_dir),
        "tables": len(published.row_counts),
        "parquet_files": len(published.parquet_files),
        "row_counts": published.row_counts,
        "contents": dg.MetadataValue.md(
            "| table | rows | parquet (under the version folder) |\n| --- | ---: | --- |\n" + rows),
    }


def build_serving_asset(
    upstream: dg.AssetsDefinition | Iterable[dg.AssetsDefinition], serving_dir: str
) -> dg.AssetsDefinition:
    upstream = [upstream] if isinstance(upstream, dg.AssetsDefinition) else list(upstream)

    @dg.asset(
        key=["serving", "warehouse_snapshot"],
        deps=serving_deps(upstream),
        description=f"Read-only copy of the {', '.join(PUBLISHED_SCHEMAS)} schemas in "
        f"{serving_dir}/{SNAPSHOT_NAME}, plus one Parquet file per table of "
        f"{', '.join(PARQUET_SCHEMAS)} in {serving_dir}/{PARQUET_DIR}/<schema>/<table>.parquet; "
        "both swapped in together, atomically. BI tools and analysts read these, never the "
        "warehouse the pipeline writes (README, For analysts).",
        group_name="serving",
        kinds={"duckdb", "parquet"},
        pool=WRITER_POOL,
    )
    def warehouse_snapshot(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            published = publish(con, serving_dir)
        return dg.MaterializeResult(metadata=serving_metadata(published, serving_dir))

    return warehouse_snapshot
