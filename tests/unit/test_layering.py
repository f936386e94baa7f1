"""The house plan holds (docs/architecture.md): each floor imports only the floors below it, only
the settings module reads the environment, and dbt layers point downward.

- Python: ``lending/`` (plain Python) never imports Dagster, ``ml/``, ``orchestration/`` or the
  tools; ``ml/`` never imports Dagster or ``orchestration/``; the simulator imports none of the
  platform; nothing but ``tools/`` and ``tests/`` imports the tools.
- ``LENDING_*`` variables are read (or written) through ``os.environ`` / ``os.getenv`` only in
  ``lending/settings.py``: every other module gets a ``Settings``. Tests are not scanned (they
  build settings for throw-away folders and set up the environment of subprocesses).
- dbt: a staging model reads only sources; an intermediate model reads staging, intermediate
  models and seeds, never a mart; only staging reads the raw and reference sources.

Each rule is a function tested first on a planted violation, then on the real tree.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from lending.dbt import ensure_manifest
from lending.settings import REPO_ROOT, Settings

SETTINGS_MODULE = Path("lending/settings.py")
# package -> top-level modules it must never import
FORBIDDEN = {
    "lending": {"dagster", "dagster_dbt", "dagster_duckdb", "dagster_webserver", "orchestration",
                "ml", "tools", "tests", "simulator"},
    "ml": {"dagster", "dagster_dbt", "dagster_duckdb", "orchestration", "tools", "tests",
           "simulator"},
    "simulator": {"dagster", "dagster_dbt", "dagster_duckdb", "lending", "orchestration", "ml",
                  "tools", "tests"},
    "orchestration": {"tools", "tests", "simulator"},
    "tools": {"tests"},
}
LAYERS = {"staging": 0, "intermediate": 1, "marts": 2}
RAW_SOURCES = {"raw", "reference"}  # what the landing contract loads: staging's alone
# The incremental models' bookkeeping (docs/incremental.md): ops_load_changes summarises the raw
# loads beside staging, and every incremental model reads it for its window, never for data.
BOOKKEEPING = "ops"


def python_files(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def imported_modules(source: str) -> set[str]:
    """Top-level modules ``source`` imports, anywhere in the file (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _environ_access(node: ast.AST) -> bool:
    """``os.environ`` / ``environ`` or ``os.getenv`` / ``getenv`` appears in ``node``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in ("environ", "getenv"):
            return True
        if isinstance(sub, ast.Name) and sub.id in ("environ", "getenv"):
            return True
    return False


def _names_lending_variable(node: ast.AST) -> bool:
    return any(isinstance(s, ast.Constant) and isinstance(s.value, str)
               and s.value.startswith("LENDING_") for s in ast.walk(node))


def lending_env_accesses(source: str) -> list[int]:
    """Lines where ``source`` reads or writes a LENDING_* variable of the process environment:
    ``os.environ["LENDING_X"]``, ``os.environ.get("LENDING_X")``, ``os.getenv("LENDING_X")``,
    ``"LENDING_X" in os.environ``."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript):
            target = node.value
        elif isinstance(node, ast.Call):
            target = node.func
        elif isinstance(node, ast.Compare):
            target = node
        else:
            continue
        if _environ_access(target) and _names_lending_variable(node):
            lines.add(node.lineno)
    return sorted(lines)


def layer_violations(manifest: dict) -> list[str]:
    """dbt models that read a layer above their own, or raw sources outside staging."""
    nodes, sources = manifest["nodes"], manifest["sources"]
    problems = []
    for node in nodes.values():
        if node["resource_type"] != "model" or node["fqn"][1] not in LAYERS:
            continue
        layer = node["fqn"][1]
        for dep in node["depends_on"]["nodes"]:
            if dep in nodes and nodes[dep]["fqn"][1] == BOOKKEEPING:
                continue
            if dep in sources:
                if sources[dep]["source_name"] in RAW_SOURCES and layer != "staging":
                    problems.append(f"{node['name']} ({layer}) reads source "
                                    f"{sources[dep]['source_name']}.{sources[dep]['name']}")
            elif dep in nodes and nodes[dep]["resource_type"] == "model":
                dep_layer = nodes[dep]["fqn"][1]
                if layer == "staging" or LAYERS.get(dep_layer, 99) > LAYERS[layer]:
                    problems.append(f"{node['name']} ({layer}) reads {nodes[dep]['name']} "
                                    f"({dep_layer})")
    return sorted(problems)


# --- the rules catch what they are meant to catch --------------------------------------------

def test_the_import_scan_sees_every_form_of_import():
    source = ("import dagster as dg\nfrom dagster_dbt import x\nimport os.path\n"
              "def f():\n    from orchestration.cli import main\n")
    assert imported_modules(source) == {"dagster", "dagster_dbt", "os", "orchestration"}
    assert imported_modules("from . import sibling\n") == set()


def test_the_environment_scan_finds_reads_and_writes_of_lending_variables():
    source = '\n'.join([
        'import os',
        'a = os.environ.get("LENDING_AUTOMATION", "on")',
        'b = os.getenv("LENDING_ML_THREADS")',
        'c = os.environ["LENDING_X"]',
        'os.environ["LENDING_Y"] = "1"',
        'd = "LENDING_Z" in os.environ',
        'e = os.environ.get("HOME")',
        'f = {**os.environ, "PATH": "/bin"}',
        'NAME = "LENDING_WRITER_WAIT_TIMEOUT"',
    ])
    assert lending_env_accesses(source) == [2, 3, 4, 5, 6]


def test_the_dbt_rule_flags_a_mart_read_by_an_intermediate_model_and_raw_read_outside_staging():
    def model(name, layer, deps):
        return {"resource_type": "model", "name": name, "fqn": ["lending", layer, name],
                "depends_on": {"nodes": deps}}
    manifest = {
        "sources": {"source.lending.raw.users": {"source_name": "raw", "name": "users"},
                    "source.lending.ml.scores": {"source_name": "ml", "name": "scores"}},
        "nodes": {
            "model.lending.stg_users": model("stg_users", "staging", ["source.lending.raw.users"]),
            "model.lending.int_a": model("int_a", "intermediate", ["model.lending.stg_users"]),
            "model.lending.fct_a": model("fct_a", "marts", ["model.lending.int_a",
                                                            "source.lending.ml.scores"]),
            "model.lending.int_bad": model("int_bad", "intermediate", ["model.lending.fct_a",
                                                                      "source.lending.raw.users"]),
            "model.lending.stg_bad": model("stg_bad", "staging", ["model.lending.stg_users"]),
        },
    }
    assert layer_violations(manifest) == [
        "int_bad (intermediate) reads fct_a (marts)",
        "int_bad (intermediate) reads source raw.users",
        "stg_bad (staging) reads stg_users (staging)",
    ]


# --- the real tree ------------------------------------------------------------------------------

@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_package_imports_only_the_floors_below_it(package):
    files = python_files(package)
    assert files, package
    problems = {
        str(path.relative_to(REPO_ROOT)): sorted(bad)
        for path in files
        if (bad := imported_modules(path.read_text(encoding="utf-8")) & FORBIDDEN[package])
    }
    assert problems == {}


def test_only_the_settings_module_reads_lending_variables():
    problems = {}
    for package in sorted(FORBIDDEN):
        for path in python_files(package):
            relative = path.relative_to(REPO_ROOT)
            lines = lending_env_accesses(path.read_text(encoding="utf-8"))
            if lines and relative != SETTINGS_MODULE:
                problems[str(relative)] = lines
    assert problems == {}


def test_dbt_layers_point_downward_and_only_staging_reads_raw():
    manifest = json.loads(ensure_manifest(Settings.from_env()).read_text(encoding="utf-8"))
    assert sum(n["resource_type"] == "model" for n in manifest["nodes"].values()) > 50
    assert layer_violations(manifest) == []
