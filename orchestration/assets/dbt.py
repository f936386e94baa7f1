"""Every dbt model as an asset, every dbt test as an asset check.

Groups follow the folder: staging -> ``staging``; intermediate/<family> and marts/<family> ->
``<family>`` (risk, lifecycle, attribution, ...); an intermediate model outside a family folder,
shared by several, -> ``staging``. Owners come from orchestration/owners.yml by group
(orchestration/policy.py). dbt sources map to the ingestion assets ``raw/<source>`` (their
``meta.dagster.asset_key``), so the graph has no gap.

The manifest the assets are built from is parsed on import when missing or out of date
(``lending.dbt.ensure_manifest``, with the settings of this process: ``make run``, ``make ui``).
"""


import functools
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from lending import build_failures
from lending.dbt import ensure_manifest
from lending.serving import PARTITION_METADATA_KEY, partition_column
from lending.settings import DBT_PROJECT_DIR, Settings
from orchestration.policy import STAGING_GROUP
from orchestration.resources import (
    DBT_UNIQUE_ID,
    WRITER_POOL,
    LendingDbtCliResource,
    WarehouseResource,
)

# The parse of this process's settings; every dbt invocation parses again only what changed since
# the parse of its own settings (LendingDbtCliResource).
lending_dbt = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR,
                         target_path=ensure_manifest(Settings.from_env()).parent)
LOAD_CHANGES = dg.AssetKey(["ops", "ops_load_changes"])


class _TempCopyNotice(logging.Filter):
    """Drops dagster-dbt's warning that a step selecting more than 200 dbt resources runs against
    a temporary copy of the project with a generated selector (dagster_dbt/asset_utils.py,
    ``_SELECTION_ARGS_THRESHOLD``, not configurable): every step of a run that splits the dbt
    assets around the attribution and ML steps does, the result is the same, the copy is removed
    when dbt exits (``LendingDbtCliResource.invoke``), and there is nothing for the user to act on
    (issue 19: no unactionable warnings in the build log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "resources exceeds threshold of" not in record.getMessage()


logging.getLogger("dagster.builtin").addFilter(_TempCopyNotice())


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
        column = partition_column(manifest["nodes"].get(unique_id, {}))
        if column:  # the serving snapshot compares and replaces this table part by part
            spec = spec.merge_attributes(metadata={PARTITION_METADATA_KEY: column})
        return spec

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """dbt tests are never blocking checks: a failed blocking check fails the whole dbt step,
        and Dagster then abandons every later step, other families' included. dbt itself skips the
        failed test's descendants, and the step withholds the tested model (``lending_dbt_models``),
        so the blast radius is the failing node's own descendants (issue 19). Error-severity
        failures still show red (severity ERROR)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return spec._replace(blocking=False) if spec is not None else None


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
    # raise_on_error=False: a failed model or test must not fail the step (that would abandon
    # every later step); what failed is recorded and reported instead (lending/build_failures.py).
    with dbt.invoke(build, context, raise_on_error=False) as invocation:
        events = list(invocation.stream())
    results = build_failures.read_run_results(invocation.target_path)
    if results is None:  # dbt stopped before building anything (a broken project): fail loudly
        raise invocation.get_error() or dg.Failure("dbt build wrote no run_results.json")
    failures = build_failures.failures_from_results(
        results, _manifest(), _asset_keys_by_unique_id(context.assets_def))
    compiled = {r["unique_id"]: r.get("compiled_code") for r in results}
    relations = _relations()
    with duckdb.get_connection() as con:
        failures = [f if f.resource_type != "test" else
                    _with_sample(f, build_failures.sample_failing_rows(con, compiled.get(f.unique_id)))
                    for f in failures]
        build_failures.record(con, results, failures, context.run.run_id)
        schemas = _column_schemas(con)
        withheld = {f.asset_key for f in failures if f.resource_type == "test"}
        for event in events:
            if isinstance(event, dg.Output):
                key = context.asset_key_for_output(event.output_name)
                if key.to_user_string() in withheld:
                    continue  # built, but an error-severity test failed: its descendants skip
                relation = relations.get(key)
                if relation:
                    (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
                    metadata = {**event.metadata, "dagster/row_count": rows}
                    schema = schemas.get(relation.replace('"', "").split(".", 1)[-1])
                    if schema:
                        metadata["dagster/column_schema"] = schema
                    event = event.with_metadata(metadata)
            yield event
    yield from _checks_of_failed_models(context, events, failures)
    for failure in failures:
        context.log.error(f"dbt {failure.resource_type} {failure.name} {failure.status}: "
                          f"{failure.message[:500]} (edit {failure.file}); only its descendants "
                          "are skipped")


def _with_sample(failure: build_failures.BuildFailure, sample: str):
    return build_failures.BuildFailure(**{**failure.__dict__, "sample": sample})


def _checks_of_failed_models(context: dg.AssetExecutionContext, events: list,
                             failures: list) -> Iterator[dg.AssetCheckResult]:
    """A failed (red) result for each selected check of a model that failed to build: dbt could
    not run those tests, so the model shows red in the UI instead of merely unmaterialized."""
    failed = {f.asset_key: f for f in failures if f.resource_type != "test" and f.asset_key}
    reported = {(e.asset_key, e.check_name) for e in events if isinstance(e, dg.AssetCheckResult)}
    for check_key in sorted(context.selected_asset_check_keys, key=str):
        failure = failed.get(check_key.asset_key.to_user_string())
        if failure and (check_key.asset_key, check_key.name) not in reported:
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key, check_name=check_key.name, passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"Not run: {failure.resource_type} {failure.name} failed to build.",
                metadata={"failed_node": failure.unique_id, "error": failure.message[:2000],
                          "file": failure.file})


def _manifest() -> dict:
    """The parsed manifest (read-only), parsed once per version of the file: every dbt step of a
    run reads it for its failures and relations (~0.2 s a parse of ~10 MB)."""
    path = lending_dbt.manifest_path
    return _parsed_manifest(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _parsed_manifest(path: str, mtime_ns: int) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _asset_keys_by_unique_id(assets_def: dg.AssetsDefinition) -> dict[str, str]:
    """dbt unique_id -> ``schema/table`` of the asset its failure stands for: a model's or seed's
    own key, a test's attached model (its check's asset)."""
    translator = LendingDbtTranslator()
    keys = {uid: translator.get_asset_key(node).to_user_string()
            for uid, node in _manifest()["nodes"].items()
            if node["resource_type"] in ("model", "seed", "snapshot")}
    for spec in assets_def.node_check_specs_by_output_name.values():
        uid = spec.metadata.get(DBT_UNIQUE_ID)
        if uid:
            keys[uid] = spec.asset_key.to_user_string()
    return keys


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
    return {
        translator.get_asset_key(node): node["relation_name"]
        for node in _manifest()["nodes"].values()
        if node["resource_type"] in ("model", "seed") and node.get("relation_name")
    }
