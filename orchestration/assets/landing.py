"""The landing files as external assets, so the graph starts where the data does."""

import dagster as dg

from lending.contract import Contract
from orchestration.policy import LANDING_GROUP

KINDS = {"csv": "csv", "jsonl": "json", "parquet": "parquet"}


def landing_specs(contract: Contract) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=[LANDING_GROUP, source.name],
            description=f"Daily `{source.format}` exports in <landing>/{source.name}/dt=YYYY-MM-DD/. "
            f"{source.description}",
            group_name=LANDING_GROUP,
            kinds={KINDS[source.format], "file"},
            metadata={"natural_key": ", ".join(source.natural_key)},
        )
        for source in contract.sources.values()
    ]


def load_log_spec() -> dg.AssetSpec:
    """raw.load_log, which every ingestion asset writes: the dbt source that dates the changes
    incremental models rebuild (docs/incremental.md). External, like the landing files: the
    models that read it also read the raw tables, whose loads are what triggers them."""
    return dg.AssetSpec(
        key=["ingestion", "load_log"],
        description="One row per source and export day loaded (status, rows, _ingested_at of the "
        "last load): raw.load_log, written by every raw/<source> asset in the same transaction.",
        group_name="ingestion",
        kinds={"duckdb"},
    )
