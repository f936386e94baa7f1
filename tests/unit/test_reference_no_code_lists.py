"""No list of business codes is written anywhere but the reference folder.

Scans the platform's code and configuration (orchestration/, ml/, the dbt project; not the
simulator, which plays a source system with its own lists, nor tests, docs or the reference
folder itself) for:

- an accepted_values test or `allowed:` list on a column that has a reference table, or any YAML
  list holding two or more codes of one reference file (dbt YAML parsed, unit-test fixture rows
  excepted: they are hand-built input, not rules);
- a SQL or Python file quoting two or more codes of one reference file ('douyin', 'wechat').

A single quoted code is a rule about that code, not a list (e.g. the attribution default channel
'direct', the calling-hours rule on 'call'); those codes are required to be in the default files.
"""

import csv
import re
from pathlib import Path

import yaml

from lending.contract import load_contract
from lending.settings import REPO_ROOT

CONTRACT = load_contract()
SCANNED = [REPO_ROOT / "orchestration", REPO_ROOT / "ml", REPO_ROOT / "dbt_project"]
SKIPPED_DIRS = {"target", "logs", "dbt_packages", "__pycache__"}
QUOTED = re.compile(r"""['"]([^'"\s]{1,64})['"]""")


def reference_codes() -> dict[str, set[str]]:
    """Reference file -> its codes (as text), from the shipped defaults."""
    codes = {}
    for table in CONTRACT.reference.values():
        with open(REPO_ROOT / "reference" / table.file_name, encoding="utf-8") as f:
            codes[table.file_name] = {row[table.key.name].strip() for row in csv.DictReader(f)}
    return codes


CODES = reference_codes()
TEXT_CODES = {name: {c for c in codes if not c.isdigit()} for name, codes in CODES.items()}
# Columns carrying business codes, under their source and model names.
CODE_COLUMNS = {c.name for s in CONTRACT.sources.values() for c in s.columns if c.reference} | {
    "acquisition_channel"}


def scanned_files(*suffixes: str) -> list[Path]:
    return sorted(
        p for root in SCANNED if root.exists() for p in root.rglob("*")
        if p.suffix in suffixes and not SKIPPED_DIRS & set(p.relative_to(REPO_ROOT).parts)
    )


def lists_of_codes(quoted: set[str]) -> dict[str, set[str]]:
    found = {name: quoted & codes for name, codes in TEXT_CODES.items()}
    return {name: hits for name, hits in found.items() if len(hits) >= 2}


def yaml_problems(node, where: str) -> list[str]:
    problems = []
    if isinstance(node, dict):
        if node.get("name") in CODE_COLUMNS:
            tests = node.get("data_tests") or node.get("tests") or []
            if any(isinstance(t, dict) and "accepted_values" in t for t in tests):
                problems.append(f"{where}: accepted_values on {node['name']}")
        for key, value in node.items():
            if key in CODE_COLUMNS and isinstance(value, dict) and "allowed" in value:
                problems.append(f"{where}.{key}: allowed list on a business code column")
            if key != "unit_tests":
                problems += yaml_problems(value, f"{where}.{key}")
    elif isinstance(node, list):
        hits = lists_of_codes({str(v) for v in node if not isinstance(v, (dict, list))})
        problems += [f"{where}: list of {name} codes {sorted(h)}" for name, h in hits.items()]
        for i, value in enumerate(node):
            problems += yaml_problems(value, f"{where}[{i}]")
    return problems


def test_the_scan_sees_the_files_and_recognises_a_list():
    assert len(scanned_files(".sql")) > 10 and REPO_ROOT / "orchestration/cli.py" in (
        scanned_files(".py"))
    assert lists_of_codes(set(QUOTED.findall("where channel in ('search_ads', 'organic')"))) == {
        "channels.csv": {"search_ads", "organic"}}
    fixture = {"models": [{"columns": [{"name": "term_months", "data_tests": [
        {"accepted_values": {"arguments": {"values": [3, 6]}}}]}]}]}
    assert yaml_problems(fixture, "f") == ["f.models[0].columns[0]: accepted_values on term_months"]
    assert yaml_problems({"unit_tests": [["search_ads", "organic"]]}, "f") == []
    assert yaml_problems({"columns": {"product": {"allowed": ["x"]}}}, "c") == [
        "c.columns.product: allowed list on a business code column"]


def test_no_yaml_declares_a_list_of_business_codes():
    problems = []
    for path in scanned_files(".yml", ".yaml"):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                problems += yaml_problems(doc, str(path.relative_to(REPO_ROOT)))
    assert problems == []


def test_no_sql_or_python_quotes_a_list_of_business_codes():
    problems = []
    for path in scanned_files(".sql", ".py"):
        hits = lists_of_codes(set(QUOTED.findall(path.read_text(encoding="utf-8"))))
        problems += [f"{path.relative_to(REPO_ROOT)}: {name} codes {sorted(h)}"
                     for name, h in hits.items()]
    assert problems == []


def test_codes_the_platform_relies_on_are_in_the_default_files():
    # 'direct': the channel of users and conversions without an attributable touch
    # (int_user_acquisition, attribution models).
    # 'call': the calling-hours rules of int_risk_collection_actions_flagged.
    assert "direct" in CODES["channels.csv"]
    assert "call" in CODES["collection_action_types.csv"]
