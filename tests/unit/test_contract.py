"""The contract declaration is consistent and the generated files are up to date."""

from lending.contract import load_contract
from tools.contract_codegen import main as codegen_main

EXPECTED_SOURCES = {
    "marketing_spend", "touchpoints", "users", "applications", "loans", "installments",
    "repayments", "app_events", "collection_actions",
}


def test_contract_declares_the_nine_sources_with_their_formats():
    contract = load_contract()
    assert set(contract.sources) == EXPECTED_SOURCES
    assert {s: contract[s].format for s in ("loans", "touchpoints", "users")} == {
        "loans": "parquet", "touchpoints": "jsonl", "users": "csv"}


def test_natural_keys_are_required_columns():
    for source in load_contract().sources.values():
        for key in source.natural_key:
            assert source.column(key).required, (source.name, key)


def test_generated_dbt_sources_and_docs_are_up_to_date():
    assert codegen_main(["--check"]) == 0, "run `make contract`"
