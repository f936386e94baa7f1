"""A few dbt selection criteria for a subset of the project's nodes, instead of one per node.

dbt evaluates every selection criterion on its own, against every node of the project, and for
``build`` several times over: selecting 600 nodes by name (what dagster-dbt passes for the step of
a run that splits the dbt assets around the attribution and ML steps) cost 12 s before the first
node ran, against 0.1 s for ``fqn:*`` (measured with cProfile on this project, dbt 1.11:
``get_nodes_from_criteria`` and ``select_parents`` once per criterion). Above 200 names,
dagster-dbt also copies the whole project to a temporary folder to write a selector file.

``compact_selection`` covers the same nodes with ``path:`` criteria for every folder or file whose
nodes are all selected, and names (``fqn:``) only for the rest; it returns None unless the
criteria select exactly the wanted nodes (checked here on the manifest, with dbt's own matching
rules, and against ``dbt ls`` in tests/unit/test_dbt_selection.py), and the caller then falls back
to dagster-dbt's own selection.

``exclusion_selection`` spells the commonest subset even shorter: the first build step of a run
is every node except the descendants of the sources the Python steps write (attribution, model
scores), i.e. ``--select fqn:* --exclude source:* source:ml+ ...``. Still ~60 ``path:`` criteria
in the compact form, which dbt's path method evaluates against every node, twice per build:
~3 s of CPU before the first node ran (py-spy, a tiny rerun); graph operators cost a fraction.
``descendant_selection`` spells the second step the same way: everything below those sources,
``--select source:ml+ ...`` (its ~30 ``path:`` criteria cost ~1 s of dbt's CPU a run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

# Resource types a `dbt build` never executes: selecting them or not changes nothing (unit tests
# are excluded by the build's --exclude-resource-type unit_test).
_INERT = ("source", "unit_test")


def _nodes(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every node dbt's ``path:`` method looks at (dbt/graph/selector_methods.py ``all_nodes``)."""
    nodes: dict[str, Mapping[str, Any]] = {}
    for section in ("nodes", "sources", "exposures", "metrics", "unit_tests", "semantic_models",
                    "saved_queries"):
        nodes.update(manifest.get(section) or {})
    return nodes


def _paths(node: Mapping[str, Any]) -> tuple[PurePosixPath, PurePosixPath | None]:
    """(original file, YAML that describes it) as dbt's ``path:`` method compares them."""
    patch = node.get("patch_path")
    return (PurePosixPath(node["original_file_path"]),
            PurePosixPath(patch.split("://", 1)[1]) if patch else None)


def _matched_by(node: Mapping[str, Any]) -> set[str]:
    """Every ``path:<p>`` and ``fqn:<prefix>`` criterion that selects ``node`` in dbt: its file or
    a folder above it, or the YAML that describes it (dbt/graph/selector_methods.py
    ``PathSelectorMethod``); a leading part of its fqn (``FQNSelectorMethod``, no wildcards)."""
    original, patch = _paths(node)
    paths = [original, *original.parents, *([patch] if patch else [])]
    fqn = tuple(node.get("fqn", ()))
    return ({f"path:{p}" for p in paths if str(p) != "."}
            | {"fqn:" + ".".join(fqn[:i]) for i in range(1, len(fqn) + 1)})


def compact_selection(manifest: Mapping[str, Any], wanted: Iterable[str]) -> list[str] | None:
    """Criteria for ``dbt --select`` that select exactly the nodes ``wanted`` (unique ids), apart
    from sources and unit tests, which a build never runs; None when that cannot be checked."""
    wanted = set(wanted)
    nodes = _nodes(manifest)
    if not wanted or not wanted <= nodes.keys():
        return None
    allowed = wanted | {uid for uid, node in nodes.items() if node["resource_type"] in _INERT}
    matched_by = {uid: _matched_by(node) for uid, node in nodes.items()}
    selects: dict[str, set[str]] = {}
    for uid, criteria in matched_by.items():
        for criterion in criteria:
            selects.setdefault(criterion, set()).add(uid)
    # Whole folders and files, shortest path first (a folder covers what is under it); of a
    # model's files its YAML first, which also covers the model's tests.
    # dbt globs a path criterion: a path with glob characters could match other files.
    paths = [c for c in selects if c.startswith("path:") and not set(c) & set("*?[]")]
    criteria: list[str] = []
    covered: set[str] = set()
    for path in sorted(paths, key=lambda c: (c.count("/"), -len(selects[c]), c)):
        matched = selects[path]
        if matched <= allowed and (matched & wanted) - covered:
            criteria.append(path)
            covered |= matched
    criteria += sorted("fqn:" + ".".join(nodes[uid]["fqn"]) for uid in wanted - covered)
    selected = {uid for uid, by in matched_by.items() if by.intersection(criteria)}
    return criteria if selected <= allowed and wanted <= selected else None


def _descendants(manifest: Mapping[str, Any], root: str) -> set[str]:
    children = manifest.get("child_map") or {}
    seen: set[str] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def exclusion_selection(manifest: Mapping[str, Any], wanted: Iterable[str]) -> list[str] | None:
    """``--select fqn:* --exclude source:* <source>+ ...`` arguments selecting exactly ``wanted``
    (unique ids; sources and unit tests never run), or None when no set of whole sources' descendants
    is exactly what is left out.

    What dbt selects that way, with indirect selection eager, buildable or cautious (not empty):
    every node, less the sources, the tests of sources (a test whose parents are all sources; a
    test with parents of both kinds is ambiguous between the modes, so then None), and each
    excluded source's descendants (a test below one is a descendant itself). Checked against
    ``dbt ls`` in tests/unit/test_dbt_selection.py.
    """
    wanted = set(wanted)
    nodes = _nodes(manifest)
    sources = {uid for uid, node in nodes.items() if node["resource_type"] == "source"}
    parents = manifest.get("parent_map") or {}
    source_tests: set[str] = set()
    for uid, node in nodes.items():
        if node["resource_type"] == "test" and set(parents.get(uid, ())) & sources:
            if not set(parents[uid]) <= sources:
                return None
            source_tests.add(uid)
    # Hooks (operations) run with every invocation, whatever is selected.
    runnable = {uid for uid, node in nodes.items()
                if node["resource_type"] not in (*_INERT, "operation")} - source_tests
    if not wanted or not wanted <= runnable:
        return None
    unwanted = runnable - wanted
    below = {uid: _descendants(manifest, uid) & runnable for uid in sorted(sources)}
    left_out = {uid for uid, nodes_below in below.items() if nodes_below and nodes_below <= unwanted}
    if set().union(*(below[uid] for uid in left_out)) != unwanted:
        return None
    return ["--select", "fqn:*", "--exclude", " ".join(["source:*", *_below(nodes, left_out)])]


def _below(nodes: Mapping[str, Mapping[str, Any]], chosen: set[str]) -> list[str]:
    """``source:<name>+`` for a source whose tables are all ``chosen``, else
    ``source:<name>.<table>+`` per chosen table."""
    tables: dict[str, set[str]] = {}
    for uid, node in nodes.items():
        if node["resource_type"] == "source":
            tables.setdefault(node["source_name"], set()).add(uid)
    criteria = []
    for name, uids in sorted(tables.items()):
        if uids <= chosen:
            criteria.append(f"source:{name}+")
        else:
            criteria += sorted(f"source:{name}.{nodes[uid]['name']}+" for uid in uids & chosen)
    return criteria


def descendant_selection(manifest: Mapping[str, Any], wanted: Iterable[str]) -> list[str] | None:
    """``--select <source>+ ... --exclude resource_type:exposure`` arguments selecting exactly
    ``wanted`` (unique ids), or None when ``wanted`` is not the whole of what some sources feed.

    What dbt selects that way, with indirect selection eager, buildable or cautious (not empty):
    the chosen sources (a build never runs a source) and all their descendants (their tests are
    descendants themselves), apart from exposures (excluded; a build only reports them as no-ops).
    A source with a test of its own is never chosen (the test would run too). Checked against
    ``dbt ls`` in tests/unit/test_dbt_selection.py.
    """
    wanted = set(wanted)
    nodes = _nodes(manifest)
    parents = manifest.get("parent_map") or {}
    runnable = {uid for uid, node in nodes.items()
                if node["resource_type"] not in (*_INERT, "operation", "exposure")}
    if not wanted or not wanted <= runnable:
        return None
    sources = {uid for uid, node in nodes.items() if node["resource_type"] == "source"}
    below = {uid: _descendants(manifest, uid) & runnable for uid in sources}
    chosen = {uid for uid, nodes_below in below.items()
              if nodes_below and nodes_below <= wanted
              and not any(nodes[n]["resource_type"] == "test" and set(parents.get(n, ())) <= sources
                          for n in nodes_below)}
    if set().union(*(below[uid] for uid in chosen)) != wanted:
        return None
    return ["--select", " ".join(_below(nodes, chosen)), "--exclude", "resource_type:exposure"]


def _unique_ids(manifest: Mapping[str, Any], names: Iterable[str]) -> set[str] | None:
    """The nodes named by their dotted fqn (how dagster-dbt lists a subset), or None when a name
    is not exactly one node's fqn."""
    by_fqn: dict[str, list[str]] = {}
    for uid, node in _nodes(manifest).items():
        by_fqn.setdefault(".".join(node.get("fqn", ())), []).append(uid)
    wanted = [by_fqn.get(name, []) for name in names]
    if any(len(uids) != 1 for uids in wanted):
        return None
    return {uids[0] for uids in wanted}


def selection_args(manifest: Mapping[str, Any], names: Iterable[str],
                   indirect_selection_empty: bool = False) -> list[str] | None:
    """The shortest dbt arguments selecting exactly the nodes named by their dotted fqn:
    ``exclusion_selection`` or ``descendant_selection`` when one applies (not with indirect
    selection ``empty``), else
    ``--select`` with ``compact_selection``'s criteria; None when neither selects exactly them."""
    wanted = _unique_ids(manifest, names)
    if wanted is None:
        return None
    if not indirect_selection_empty:
        for spelling in (exclusion_selection, descendant_selection):
            arguments = spelling(manifest, wanted)
            if arguments is not None:
                return arguments
    criteria = compact_selection(manifest, wanted)
    return None if criteria is None else ["--select", " ".join(criteria)]
