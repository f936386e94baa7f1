"""Every asset in the definitions is fit for the UI: description, group, kinds, owner; derived
assets follow by automation; raw sources and what analysts read have freshness policies; dbt
tests are (non-blocking) asset checks. Iterates over ALL specs, so new families are held to it too."""

import json

import dagster as dg
import pytest

from lending.settings import Settings
from orchestration.assets.dbt import lending_dbt
from orchestration.definitions import build_definitions
from orchestration.jobs import TRAINING_ASSETS
from orchestration.policy import owner_for, reads_analysts

GROUPS = {"landing", "ingestion", "staging", "risk", "lifecycle", "attribution", "ml", "serving",
          "fraud", "finance", "kpi", "regulatory"}


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    root = tmp_path_factory.mktemp("specs")
    return build_definitions(Settings.from_env({"LENDING_DATA_DIR": str(root)}))


@pytest.fixture(scope="module")
def specs(defs):
    return list(defs.resolve_all_asset_specs())


def test_every_asset_has_description_group_kinds_and_owner(specs):
    assert len(specs) > 50
    problems = [
        f"{spec.key.to_user_string()}: {what}"
        for spec in specs
        for what, ok in (
            ("description", bool((spec.description or "").strip())),
            ("group", spec.group_name in GROUPS),
            ("kinds", bool(spec.kinds)),
            ("owner", bool(spec.owners)),
        )
        if not ok
    ]
    assert problems == []


def test_owners_come_from_the_config_where_an_asset_names_none(specs):
    assert owner_for("risk") == "team:risk"
    assert owner_for("some_new_family") == "team:data-platform"
    # an asset's own entry in owners.yml wins over its group's owner
    owners = {s.key.to_user_string(): s.owners for s in specs}
    assert owners["ml/churn_model"] == owners["ml/churn_scores"] == ["team:growth"]
    assert owners["ml/credit_model"] == owners["ml/credit_scores"] == ["team:risk"]
    assert owners["attribution_py/shapley_values"] == ["team:marketing"]
    assert owners["marts/mart_portfolio_monthly"] == ["team:risk"]


def test_derived_assets_follow_upstream_and_loads_and_training_do_not(defs, specs):
    manual = set(TRAINING_ASSETS.resolve(defs.resolve_asset_graph()))
    for spec in specs:
        derived = spec.group_name not in ("landing", "ingestion") and spec.key not in manual
        assert (spec.automation_condition is not None) == derived, spec.key


def test_raw_sources_and_published_marts_have_freshness_policies(specs):
    by_key = {s.key: s for s in specs}
    assert by_key[dg.AssetKey(["raw", "loans"])].freshness_policy is not None
    assert by_key[dg.AssetKey(["marts", "mart_portfolio_monthly"])].freshness_policy is not None
    assert by_key[dg.AssetKey(["serving", "warehouse_snapshot"])].freshness_policy is not None
    assert by_key[dg.AssetKey(["staging", "stg_loans"])].freshness_policy is None
    assert all(s.freshness_policy is not None for s in specs if reads_analysts(s))


def test_dbt_tests_are_asset_checks_and_none_blocks(defs):
    """A failed blocking check fails the whole dbt step, and Dagster then abandons every later
    step, other families' included (issue 19): dbt skips a failed test's descendants itself, and
    the dbt step withholds the tested model, so no dbt check blocks."""
    manifest = json.loads(lending_dbt.manifest_path.read_text(encoding="utf-8"))
    severity = {n["name"]: n["config"]["severity"].lower()
                for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    graph = defs.resolve_asset_graph()
    dbt_checks = [graph.get(k) for k in graph.asset_check_keys if k.name in severity]
    assert len(dbt_checks) > 100
    assert not any(c.blocking for c in dbt_checks)
    # every singular test is a check of one model (none falls back to an AssetObservation)
    singular = {n["name"] for n in manifest["nodes"].values()
                if n["resource_type"] == "test" and "generic" not in n["fqn"]
                and not n.get("attached_node") and n["original_file_path"].startswith("tests/")}
    assert singular and singular <= {c.key.name for c in dbt_checks}
    # the build `make run` and the automation runs execute them with their models
    job = defs.resolve_job_def("build_warehouse")
    assert {c.key for c in dbt_checks} <= set(job.asset_layer.asset_graph.asset_check_keys)
