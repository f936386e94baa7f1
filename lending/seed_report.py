"""Which dated seeds do not cover the history they were applied to, and the file to complete.

A seed keyed by month (e.g. finance_funding_rates) applies its earliest row backwards to months
before it, so a lender whose history starts earlier still gets every mart; the run summary says
so once per seed (from ``intermediate.int_seed_backfills``), naming the seed's file as dbt knows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from lending.warehouse import relation_exists

RELATION = "intermediate.int_seed_backfills"


def seed_files(manifest_path: Path) -> dict[str, str]:
    """Seed name -> its file, relative to the repository (from dbt's manifest)."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    # dbt_project/target/[parsed/<digest>/]manifest.json: the folder that holds target/
    root = next(p.parent.name for p in Path(manifest_path).parents if p.name == "target")
    return {node["name"]: f"{root}/{node['original_file_path']}"
            for node in manifest["nodes"].values() if node["resource_type"] == "seed"}


def seed_backfill_warnings(con: duckdb.DuckDBPyConnection, manifest_path: Path) -> list[str]:
    """One line per dated seed applied backwards; empty when the table is absent or empty."""
    if not relation_exists(con, *RELATION.split(".", 1)):
        return []
    rows = con.execute(
        f"""select seed_name, strftime(earliest_effective_month, '%Y-%m'),
                   strftime(backfilled_from_month, '%Y-%m'), strftime(backfilled_to_month, '%Y-%m')
            from {RELATION} order by seed_name""").fetchall()
    files = seed_files(manifest_path) if rows else {}
    return [f"{name} has no row before {first}; the {first} value was used for {start}..{end} "
            f"- add rows to {files.get(name, name + '.csv')}"
            for name, first, start, end in rows]
