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
