"""A step's subset of dbt nodes, selected by a few criteria: exactly the same nodes as by name."""

import json
import random

import pytest

from lending.dbt import ensure_manifest, in_environ
from lending.dbt_selection import compact_fqn_selection, compact_selection
from lending.settings import DBT_PROJECT_DIR, Settings


def _node(uid, path, fqn, resource_type="model", patch=None):
    return uid, {"resource_type": resource_type, "original_file_path": path, "fqn": fqn,
                 "patch_path": f"lending://{patch}" if patch else None}


# models/a: x (described in x.yml, which also defines x's test) and y; models/b: z beside a
# source whose YAML defines a source test; models/c: p and q described by one schema.yml, which
# also defines a test of each.
HAND_BUILT = {
    "nodes": dict([
        _node("model.x", "models/a/x.sql", ["lending", "a", "x"], patch="models/a/x.yml"),
        _node("test.x_not_null", "models/a/x.yml", ["lending", "a", "x_not_null"], "test"),
        _node("model.y", "models/a/y.sql", ["lending", "a", "y"]),
        _node("model.z", "models/b/z.sql", ["lending", "b", "z"]),
        _node("test.src_unique", "models/b/sources.yml", ["lending", "b", "src_unique"], "test"),
        _node("model.p", "models/c/p.sql", ["lending", "c", "p"], patch="models/c/schema.yml"),
        _node("model.q", "models/c/q.sql", ["lending", "c", "q"], patch="models/c/schema.yml"),
        _node("test.p_unique", "models/c/schema.yml", ["lending", "c", "p_unique"], "test"),
        _node("test.q_unique", "models/c/schema.yml", ["lending", "c", "q_unique"], "test"),
    ]),
    "sources": dict([_node("source.b.src", "models/b/sources.yml", ["lending", "b", "src"],
                           "source")]),
}


@pytest.mark.parametrize(("wanted", "criteria"), [
    # x's YAML covers the model and its test; x.sql would add nothing.
    ({"model.x", "test.x_not_null"}, ["path:models/a/x.yml"]),
    # The whole folder.
    ({"model.x", "test.x_not_null", "model.y"}, ["path:models/a"]),
    # models/b also holds a source test, which must not run: the model's own file.
    ({"model.z"}, ["path:models/b/z.sql"]),
    # The shared YAML would bring q and its test: p's file, and p's test by name.
    ({"model.p", "test.p_unique"}, ["path:models/c/p.sql", "fqn:lending.c.p_unique"]),
])
def test_whole_folders_and_files_first_then_names(wanted, criteria):
    assert compact_selection(HAND_BUILT, wanted) == criteria


def test_no_criteria_when_they_cannot_select_exactly_the_wanted_nodes():
    assert compact_selection(HAND_BUILT, {"model.unknown"}) is None
    assert compact_selection(HAND_BUILT, set()) is None
    # A name that is a leading part of another node's fqn would select that node too.
    shadowed = {"nodes": {**HAND_BUILT["nodes"], **dict([
        _node("test.x_deep", "models/a/x.yml", ["lending", "a", "x_not_null", "deep"], "test")])}}
    assert compact_selection(shadowed, {"test.x_not_null"}) is None
    # Names that are not exactly one node's fqn.
    assert compact_fqn_selection(HAND_BUILT, ["lending.a.x", "lending.a.nothing"]) is None
    assert compact_fqn_selection(HAND_BUILT, ["lending.a.x"]) == ["path:models/a/x.sql"]


@pytest.fixture(scope="module")
def project():
    """The project's manifest, and ``dbt ls`` on it in this process (no parse per call)."""
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest, WritableManifest

    settings = Settings.from_env()
    path = ensure_manifest(settings)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    runner = dbtRunner(manifest=Manifest.from_writable_manifest(
        WritableManifest.read_and_check_versions(str(path))))
    return manifest, runner, settings


def _dbt_ls(runner, settings, criteria, target) -> set[str]:
    with in_environ(settings.dbt_env()):
        result = runner.invoke([
            "ls", "--select", " ".join(criteria), "--indirect-selection", "empty",
            "--exclude-resource-type", "unit_test", "--output", "json", "--output-keys",
            "unique_id", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(target), "--quiet"])
    assert result.success, result.exception
    return {json.loads(line)["unique_id"] for line in result.result}


def _descendants(manifest, roots) -> set[str]:
    seen, stack = set(), list(roots)
    while stack:
        for child in manifest["child_map"].get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _subsets(manifest) -> dict[str, set[str]]:
    """The build steps of a run (split by the Python assets' sources: attribution, ML scores) and
    random subsets, of the nodes Dagster runs (models, seeds, tests other than source tests)."""
    runnable = {uid for uid, node in manifest["nodes"].items()
                if node["resource_type"] in ("model", "seed")
                or (node["resource_type"] == "test"
                    and not all(p.startswith("source.") for p in node["depends_on"]["nodes"]))}
    attribution = _descendants(manifest, [s for s in manifest["sources"] if ".attribution_py." in s])
    scores = _descendants(manifest, [s for s in manifest["sources"] if ".ml." in s])
    rng = random.Random(7)
    return {"before_attribution_and_ml": runnable - attribution - scores,
            "after_attribution": (runnable & attribution) - scores,
            "after_scores": runnable & scores,
            "random_half": set(rng.sample(sorted(runnable), len(runnable) // 2)),
            "random_few": set(rng.sample(sorted(runnable), 12))}


def test_dbt_selects_exactly_the_wanted_nodes_of_the_project(project, tmp_path):
    manifest, runner, settings = project
    for name, wanted in _subsets(manifest).items():
        criteria = compact_selection(manifest, wanted)
        assert criteria is not None, name
        selected = _dbt_ls(runner, settings, criteria, tmp_path)
        never_run = {uid for uid in selected if uid.split(".")[0] == "source"}
        assert selected - never_run == wanted, name
    # The point: far fewer criteria than nodes for a build step.
    step = _subsets(manifest)["before_attribution_and_ml"]
    assert len(compact_selection(manifest, step)) < len(step) / 5
