"""Every dbt model as an asset, every dbt test as an asset check.

Groups follow the folder: staging -> ``staging``; intermediate/<family> and marts/<family> ->
``<family>`` (risk, lifecycle, attribution, ...); an intermediate model outside a family folder,
shared by several, -> ``staging``. Owners come from orchestration/owners.yml by group
(orchestration/policy.py). dbt sources map to the ingestion assets ``raw/<source>`` (their
``meta.dagster.asset_key``), so the graph has no gap.

The manifest the assets are built from is parsed on import when missing or out of date
(``lending.dbt.ensure_manifest``, with the settings of this process: ``make run``, ``make ui``).
"""


import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from lending.dbt import MANIFEST_TARGET, ensure_manifest
from lending.settings import DBT_PROJECT_DIR, Settings
from orchestration.policy import STAGING_GROUP
from orchestration.resources import WRITER_POOL, LendingDbtCliResource, WarehouseResource

lending_dbt = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR,
                         target_path=MANIFEST_TARGET)
ensure_manifest(Settings.from_env())
LOAD_CHANGES = dg.AssetKey(["ops", "ops_load_changes"])


class LendingDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> "str | None":
        fqn = dbt_resource_props.get("fqn", [])
        layers = fqn[1:-1]  # drop project name and model name
        if not layers:
            return "dbt"
        if layers[0] in ("marts", "intermediate") and len(layers) > 1:
            return layers[1]
        if layers[0] == "intermediate":  # shared by several families (int_user_acquisition)
            return STAGING_GROUP
        if layers[0] == "ops":  # the load summary of the incremental models, beside staging
            return STAGING_GROUP
        return layers[0]

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        """Incremental models read ops_load_changes for their window only (docs/incremental.md):
        in Dagster's graph they follow their own sources, so a load of one source does not
        request every incremental model (dbt still runs the summary first within a build)."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if any(dep.asset_key == LOAD_CHANGES for dep in spec.deps):
            spec = spec.replace_attributes(
                deps=[dep for dep in spec.deps if dep.asset_key != LOAD_CHANGES])
        return spec


@dbt_assets(
    manifest=lending_dbt.manifest_path,
    project=lending_dbt,
    # Source tests repeat the landing contract, which ingestion already enforces row by row
    # (a raw row cannot break them); they stay in the YAML for standalone `dbt build`.
    exclude="source:*",
    dagster_dbt_translator=LendingDbtTranslator(),
    pool=WRITER_POOL,
)
def lending_dbt_models(
    context: dg.AssetExecutionContext, dbt: LendingDbtCliResource, duckdb: WarehouseResource
):
    """``dbt build`` of the selected models: runs models and data tests.

    Unit tests are left out, as dbt recommends for production builds: their inputs are fixed
    fixtures, so they prove the SQL, not the data, and re-running them on every build only costs
    time (a fixed cost per build: 42 s of 150 s of node time in one measured invocation,
    docs/benchmarks.md). CI runs every one of them against the
    built test warehouse (tests/integration/test_dbt_unit_tests.py), and a standalone
    `dbt build` still runs them.

    Row counts and the column schema (tables and views) are added after dbt exits: while dbt runs
    it holds the DuckDB write lock, and dagster-dbt's own ``fetch_row_counts`` /
    ``fetch_column_metadata`` open an in-process connection that conflicts with later
    connections to the same file. One ``information_schema`` query serves every model.
    """
    # The dbt resource runs dbt with the settings' variables (Settings.dbt_env): the same file,
    # memory limit and time zone as ``duckdb`` (both from build_resources).
    # When a run splits this multi-asset into steps around a non-dbt asset (the attribution
    # marts read the Python asset's tables), a test whose parents span both steps must run in
    # the later one: "buildable" runs a test only once all its parents are selected or upstream.
    # A flag of this invocation, not an environment variable: it must not leak to other dbt calls.
    build = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
    events = list(dbt.build(build, context=context))
    relations = _relations()
    with duckdb.get_connection() as con:
        schemas = _column_schemas(con)
        for event in events:
            if isinstance(event, dg.Output):
                relation = relations.get(context.asset_key_for_output(event.output_name))
                if relation:
                    (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
                    metadata = {**event.metadata, "dagster/row_count": rows}
                    schema = schemas.get(relation.replace('"', "").split(".", 1)[-1])
                    if schema:
                        metadata["dagster/column_schema"] = schema
                    event = event.with_metadata(metadata)
            yield event


def _column_schemas(con) -> dict[str, dg.TableSchema]:
    """``schema.table`` -> its columns and types as the warehouse has them now."""
    rows = con.execute(
        """select table_schema || '.' || table_name, column_name, data_type
           from information_schema.columns
           where table_schema not in ('information_schema', 'pg_catalog')
           order by table_schema, table_name, ordinal_position"""
    ).fetchall()
    columns: dict[str, list[dg.TableColumn]] = {}
    for relation, name, data_type in rows:
        columns.setdefault(relation, []).append(dg.TableColumn(name, data_type.lower()))
    return {relation: dg.TableSchema(columns=cols) for relation, cols in columns.items()}


def _relations() -> dict[dg.AssetKey, str]:
    """Asset key -> relation name of every dbt model and seed."""
    translator = LendingDbtTranslator()
    manifest = json.loads(lending_dbt.manifest_path.read_text(encoding="utf-8"))
    return {
        translator.get_asset_key(node): node["relation_name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed") and node.get("relation_name")
    }
