"""A step's subset of dbt nodes, selected by a few criteria: exactly the same nodes as by name."""

import json
import random

import pytest

from lending.dbt import ensure_manifest, in_environ
from lending.dbt_selection import (
    compact_selection,
    descendant_selection,
    exclusion_selection,
    selection_args,
)
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
    assert selection_args(HAND_BUILT, ["lending.a.x", "lending.a.nothing"]) is None
    assert selection_args(HAND_BUILT, ["lending.a.x"]) == ["--select", "path:models/a/x.sql"]


def _source(uid, source_name, name):
    return uid, {"resource_type": "source", "original_file_path": "models/sources.yml",
                 "fqn": ["lending", source_name, name], "source_name": source_name, "name": name}


# raw.loans -> loans -> loan_scores <- ml.scores (written by a Python step), ml.other -> other; a
# source test on raw.loans; the tests of loans and loan_scores; a hook.
EDGES = {"source.raw.loans": ["model.loans", "test.raw_loans_unique"],
         "model.loans": ["model.loan_scores", "test.loans_not_null"],
         "source.ml.scores": ["model.loan_scores"], "source.ml.other": ["model.other"],
         "model.loan_scores": ["test.loan_scores_not_null"]}
GRAPH = {
    "nodes": dict([
        _node("model.loans", "models/loans.sql", ["lending", "loans"]),
        _node("model.loan_scores", "models/loan_scores.sql", ["lending", "loan_scores"]),
        _node("model.other", "models/other.sql", ["lending", "other"]),
        _node("test.raw_loans_unique", "models/sources.yml", ["lending", "raw_loans_unique"], "test"),
        _node("test.loans_not_null", "models/loans.yml", ["lending", "loans_not_null"], "test"),
        _node("test.loan_scores_not_null", "models/loan_scores.yml",
              ["lending", "loan_scores_not_null"], "test"),
        _node("operation.on_run_end", "dbt_project.yml", ["lending", "hooks", "end"], "operation"),
    ]),
    "sources": dict([_source("source.raw.loans", "raw", "loans"),
                     _source("source.ml.scores", "ml", "scores"),
                     _source("source.ml.other", "ml", "other")]),
    "child_map": EDGES,
    "parent_map": {child: [p for p, children in EDGES.items() if child in children]
                   for children in EDGES.values() for child in children},
}
BEFORE_SCORES = {"model.loans", "test.loans_not_null"}


def test_everything_but_what_python_written_sources_feed_is_spelled_as_an_exclusion():
    exclude_all_ml = ["--select", "fqn:*", "--exclude", "source:* source:ml+"]
    assert exclusion_selection(GRAPH, BEFORE_SCORES) == exclude_all_ml
    # Only one table of a source left out: that table.
    assert exclusion_selection(GRAPH, BEFORE_SCORES | {"model.other"}) == [
        "--select", "fqn:*", "--exclude", "source:* source:ml.scores+"]
    # Left out, but not below a source left out as a whole (loans' test without loans), or a
    # source test wanted (it would be excluded with the sources): no exclusion.
    assert exclusion_selection(GRAPH, {"model.loans"}) is None
    assert exclusion_selection(GRAPH, BEFORE_SCORES | {"test.raw_loans_unique"}) is None
    # A test of a source and a model is selected differently by eager and buildable: no exclusion.
    mixed = {**GRAPH, "parent_map": {**GRAPH["parent_map"],
                                     "test.loans_not_null": ["model.loans", "source.raw.loans"]}}
    assert exclusion_selection(mixed, BEFORE_SCORES) is None
    # By name, as dagster-dbt lists a subset; with indirect selection empty the source test would
    # stay selected, so the path criteria are used.
    names = ["lending.loans", "lending.loans_not_null"]
    assert selection_args(GRAPH, names) == exclude_all_ml
    assert selection_args(GRAPH, names, indirect_selection_empty=True) == [
        "--select", "path:models/loans.sql path:models/loans.yml"]
    assert selection_args(GRAPH, ["lending.nothing"]) is None


def test_what_python_written_sources_feed_is_spelled_as_their_descendants():
    scores = {"model.loan_scores", "test.loan_scores_not_null"}
    assert descendant_selection(GRAPH, scores) == [
        "--select", "source:ml.scores+", "--exclude", "resource_type:exposure"]
    # Every table of a source: the source by its name.
    assert descendant_selection(GRAPH, scores | {"model.other"}) == [
        "--select", "source:ml+", "--exclude", "resource_type:exposure"]
    # Not the whole of what a source feeds (loan_scores' test left out), or more than sources
    # feed (loans is below raw.loans, whose source test is not wanted): no such spelling.
    assert descendant_selection(GRAPH, {"model.loan_scores"}) is None
    assert descendant_selection(GRAPH, scores | {"model.loans", "test.loans_not_null"}) is None
    # A source with a test of its own: the test would be selected too.
    tested = {**GRAPH, "nodes": {**GRAPH["nodes"], **dict([_node(
        "test.scores_unique", "models/sources.yml", ["lending", "scores_unique"], "test")])},
        "child_map": {**EDGES, "source.ml.scores": [*EDGES["source.ml.scores"], "test.scores_unique"]},
        "parent_map": {**GRAPH["parent_map"], "test.scores_unique": ["source.ml.scores"]}}
    assert descendant_selection(tested, scores | {"test.scores_unique"}) is None
    # By name; the first step's exclusion is tried first.
    assert selection_args(GRAPH, ["lending.loan_scores", "lending.loan_scores_not_null"]) == [
        "--select", "source:ml.scores+", "--exclude", "resource_type:exposure"]


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


def _dbt_ls(runner, settings, criteria, target, indirect="empty") -> set[str]:
    """``dbt ls`` of ``criteria`` (``--select`` criteria, or whole selection arguments)."""
    selection = criteria if criteria[0].startswith("--") else ["--select", " ".join(criteria)]
    with in_environ(settings.dbt_env()):
        result = runner.invoke([
            "ls", *selection, "--indirect-selection", indirect,
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


@pytest.mark.parametrize("indirect", ["buildable", "eager"])
def test_dbt_selects_exactly_the_first_build_step_by_exclusion(project, tmp_path, indirect):
    manifest, runner, settings = project
    wanted = _subsets(manifest)["before_attribution_and_ml"]
    arguments = exclusion_selection(manifest, wanted)
    assert arguments == ["--select", "fqn:*", "--exclude",
                         "source:* source:attribution_py+ source:ml+"]
    selected = _dbt_ls(runner, settings, arguments, tmp_path, indirect)
    assert selected == wanted  # no source, no source test
    for name in ("after_attribution", "after_scores", "random_half"):
        assert exclusion_selection(manifest, _subsets(manifest)[name]) is None, name


@pytest.mark.parametrize("indirect", ["buildable", "eager"])
def test_dbt_selects_exactly_the_later_build_step_as_descendants(project, tmp_path, indirect):
    manifest, runner, settings = project
    subsets = _subsets(manifest)
    wanted = subsets["after_attribution"] | subsets["after_scores"]
    arguments = descendant_selection(manifest, wanted)
    assert arguments == ["--select", "source:attribution_py+ source:ml+",
                         "--exclude", "resource_type:exposure"]
    selected = _dbt_ls(runner, settings, arguments, tmp_path, indirect)
    never_run = {uid for uid in selected if uid.split(".")[0] == "source"}  # the chosen ones
    assert selected - never_run == wanted
    for name in ("before_attribution_and_ml", "random_half", "random_few"):
        assert descendant_selection(manifest, subsets[name]) is None, name
