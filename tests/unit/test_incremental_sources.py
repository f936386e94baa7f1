"""ops_load_changes summarises the loads of every source of the landing contract.

dbt records a model's sources while parsing, before the graph (and the generated source list) is
available to the model, so ops_load_changes names them in a list; this keeps it equal to the
contract, and keeps every source's natural key where the mechanism reads it.
"""

import re

import yaml

from lending.contract import load_contract
from lending.settings import DBT_PROJECT_DIR

MODEL = DBT_PROJECT_DIR / "models" / "ops" / "ops_load_changes.sql"


def test_ops_load_changes_lists_every_contract_source():
    listed = re.search(r"raw_sources = \[([^\]]*)\]", MODEL.read_text(encoding="utf-8")).group(1)
    assert sorted(re.findall(r"'(\w+)'", listed)) == sorted(load_contract().sources)


def test_generated_sources_carry_the_natural_keys():
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml")
                             .read_text(encoding="utf-8"))["sources"]
    raw = next(s for s in sources if s["name"] == "raw")
    keys = {t["name"]: t["meta"]["natural_key"] for t in raw["tables"]}
    assert keys == {name: list(s.natural_key) for name, s in load_contract().sources.items()}
