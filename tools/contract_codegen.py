"""Generate the dbt source definitions and the docs page from the landing contract.

Run ``python -m tools.contract_codegen`` (``make contract``) after editing the contract;
a test fails when the committed files are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from lending.contract.model import (
    DEFAULT_ENCODING,
    LINEAGE_COLUMNS,
    Column,
    Contract,
    ReferenceTable,
    Source,
    load_contract,
)
from lending.settings import TIMEZONE

REPO = Path(__file__).resolve().parents[1]
SOURCES_YML = REPO / "dbt_project" / "models" / "staging" / "_sources.yml"
REFERENCE_MODELS = REPO / "dbt_project" / "models" / "staging" / "reference"
DOCS_MD = REPO / "docs" / "landing_contract.md"
HEADER = "# GENERATED from lending/contract/landing_contract.yml by `make contract`. Do not edit.\n"


def _column_tests(col: Column) -> list:
    tests: list = []
    if col.required:
        tests.append("not_null")
    if col.allowed is not None:
        arguments: dict = {"values": list(col.allowed)}
        if not isinstance(col.allowed[0], str):
            arguments["quote"] = False
        tests.append({"accepted_values": {"arguments": arguments}})
    if col.reference is not None:
        table, key = col.reference.split(".")
        tests.append({"relationships": {"arguments": {
            "to": f"source('reference', '{table}')", "field": key}}})
    return tests


def _reference_source(contract: Contract) -> dict:
    tables = []
    for table in contract.reference.values():
        columns = []
        for col in table.columns:  # tested once, on stg_ref_<table>
            columns.append({"name": col.name, "description": col.doc, "data_type": col.type})
        tables.append({
            "name": table.name,
            "description": f"{table.description} Loaded from <reference dir>/{table.file_name}.",
            "meta": {"dagster": {"asset_key": ["reference", table.name]}},
            "columns": columns,
        })
    return {
        "name": "reference",
        "schema": "reference",
        "description": "Business code lists of the lender, loaded from the CSV files of the "
        "reference folder ($LENDING_REFERENCE_DIR) by the Dagster asset reference/<table> at "
        "every ingestion run.",
        "tables": tables,
    }


def dbt_sources(contract: Contract) -> dict:
    """The dbt `sources:` document: one table per source, mapped to its Dagster ingestion asset."""
    tables = []
    for src in contract.sources.values():
        columns = []
        for col in src.columns:
            entry: dict = {"name": col.name, "description": col.doc, "data_type": col.type}
            tests = _column_tests(col)
            if tests:
                entry["data_tests"] = tests
            columns.append(entry)
        for name, (dtype, doc) in LINEAGE_COLUMNS.items():
            columns.append({"name": name, "description": doc, "data_type": dtype})
        tables.append(
            {
                "name": src.name,
                "description": f"{src.description} Natural key: {', '.join(src.natural_key)}. "
                "Holds every exported version of a record; staging keeps the newest.",
                # natural_key: read by the incremental mechanism (macros/incremental/), which finds
                # every version of a changed record by it (docs/incremental.md).
                "meta": {"dagster": {"asset_key": ["raw", src.name]},
                         "natural_key": list(src.natural_key)},
                "config": {
                    "loaded_at_field": "_ingested_at",
                    "freshness": {
                        "warn_after": {"count": 2, "period": "day"},
                        "error_after": {"count": 7, "period": "day"},
                    },
                },
                "columns": columns,
            }
        )
    return {
        "version": 2,
        "sources": [
            {
                "name": "raw",
                "schema": "raw",
                "description": "Contract-checked landing exports, loaded by the Dagster ingestion "
                "assets. Rows that fail the contract are in raw.quarantine instead.",
                "tables": tables,
            },
            *([_reference_source(contract)] if contract.reference else []),
        ],
    }


DBT_TYPES = {"varchar": "dbt.type_string()", "integer": "dbt.type_int()",
             "bigint": "dbt.type_bigint()", "boolean": "dbt.type_boolean()"}


def reference_model_sql(table: ReferenceTable) -> str:
    """stg_ref_<table>: the reference table with portable types (Spark reads it too)."""
    cols = ",\n".join(
        f"    cast({c.name} as {{{{ {DBT_TYPES[c.type]} }}}}) as {c.name}" for c in table.columns
    )
    return (f"-- GENERATED from lending/contract/landing_contract.yml by `make contract`. "
            f"Do not edit.\nselect\n{cols}\nfrom {{{{ source('reference', '{table.name}') }}}}\n")


def reference_model_yml(table: ReferenceTable) -> dict:
    columns = []
    for col in table.columns:
        entry: dict = {"name": col.name, "description": col.doc, "data_type": col.type}
        if col is table.key:
            entry["data_tests"] = ["not_null", "unique"]
        columns.append(entry)
    return {
        "version": 2,
        "models": [{
            "name": f"stg_ref_{table.name}",
            "description": f"{table.description} One row per code of <reference dir>/"
            f"{table.file_name} (business reference data, see docs/landing_contract.md).",
            "config": {"contract": {"enforced": True}},
            "columns": columns,
        }],
    }


def _fmt_rule(col: Column) -> str:
    rules = []
    if col.allowed is not None:
        rules.append("one of " + ", ".join(f"`{v}`" for v in col.allowed))
    if col.reference is not None:
        table, key = col.reference.split(".")
        rules.append(f"a `{key}` of [`{table}.csv`](#reference-data)")
    if col.min is not None:
        rules.append(f"≥ {col.min}")
    if col.max is not None:
        rules.append(f"≤ {col.max}")
    if col.pii:
        rules.append("PII: hashed in staging")
    return "; ".join(rules)


def _source_md(src: Source) -> str:
    lines = [
        f"## `{src.name}` ({src.format})",
        "",
        src.description,
        "",
        f"- File: `<landing>/{src.name}/dt=YYYY-MM-DD/*.{src.extension}`",
        f"- Natural key: `{', '.join(src.natural_key)}`"
        + (f"; newest version by `{src.updated_at}`, then export day" if src.updated_at else
           "; newest version by export day"),
        *([f"- Encoding: `{src.encoding}`"] if src.encoding != DEFAULT_ENCODING else []),
        "",
        "| column | type | required | rule | meaning |",
        "|---|---|---|---|---|",
    ]
    for col in src.columns:
        lines.append(
            f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | {_fmt_rule(col)} "
            f"| {col.doc} |"
        )
    return "\n".join(lines)


def _reading_md(contract: Contract) -> list[str]:
    """How files are read: encodings, null spellings, Parquet types (contract keys and rules)."""
    spellings = ", ".join(f"`{v}`" for v in contract.null_values if v) or "none"
    return [
        "## Reading files",
        "",
        "- A file that cannot be read fails its export day only, with a one-line message naming "
        "the file (and the column where known): undecodable text (naming the encoding and line), "
        "a truncated Parquet file, a zero-byte CSV or Parquet file, a missing required column, a "
        "column given twice. The other days of the run are loaded. A zero-byte JSON lines file "
        "is an export without records (JSON lines have no header).",
        "- Text formats (csv, jsonl) are UTF-8 unless the source declares `encoding:` (a Python "
        "codec name such as `gbk` or `gb18030`). A byte-order mark is skipped; CRLF line ends "
        "are fine.",
        f"- Null spellings (`null_values:`, top level, replaceable per source): {spellings}. A "
        "text value equal to one of them after trimming, or blank, is null. Text values are "
        "trimmed before they are checked (` app_store ` is `app_store`).",
        "- CSV: the header names the columns (any order; extra columns are ignored). A record is "
        "one line: a quote left open costs that line only (`malformed_row`).",
        "- JSON lines: `NaN` is null; `Infinity` is `invalid_type`; an object or array in a "
        "column is `nested_value`.",
        "- Parquet: a column of another physical type is cast when the cast is exact for the "
        "value (int32 to bigint, text `12.50` to decimal, an integral float to integer); a value "
        "that does not cast exactly is quarantined. A float NaN is null. A timestamp without "
        "a time zone fails the day (it is not an instant).",
        "- Only files with the source's extension are read; hidden files (`.DS_Store`, `._*`) "
        "and Office lock files (`~$*`) are skipped silently. Any other file in a day folder "
        "(another format, `.csv.gz`, `.txt`) is not loaded either, but **reported**: a warning in "
        "the ingestion run's log and the `ignored_files` of its metadata, so an export delivered "
        "in an unexpected format is seen, not lost.",
        "",
    ]


def docs_markdown(contract: Contract) -> str:
    parts = [
        "<!-- GENERATED from lending/contract/landing_contract.yml by `make contract`. "
        "Do not edit. -->",
        "# Landing contract",
        "",
        "The interface every source export must meet, real or simulated. Ingestion checks each row "
        "against it: good rows go to `raw.<source>`, bad rows to `raw.quarantine` with the reason, "
        "file and row.",
        "",
        "- Path: `<landing>/<source>/dt=YYYY-MM-DD/<file>`, one folder per export day. A missing "
        "folder is reported (asset check `landing_day_present`), not fatal.",
        f"- Timestamps: ISO-8601 with an offset (`+08:00`, {TIMEZONE}); a timestamp "
        "without an offset is rejected. Dates: `YYYY-MM-DD`.",
        "- Money: CNY with 2 decimals. Rates: annual fractions (`0.18` = 18%).",
        "- A file missing a *required* column, or one that cannot be read, fails that day's load "
        "with an error naming the file and the column; a missing optional column loads as null. "
        "Extra columns are ignored (listed in the run's metadata).",
        "- The same record may arrive again on a later day (re-export, status update, late "
        "arrival): raw keeps every version, staging keeps the newest per natural key.",
        "",
        "Quarantine reasons (`raw.quarantine.reasons`, one or more per row, `<rule>:<column>`):",
        "",
        "| reason | the row ... |",
        "|---|---|",
        "| `missing_required:<col>` | has no value for a required column |",
        "| `invalid_type:<col>` | has a value that does not parse as the column's type |",
        "| `missing_offset:<col>` | has a timestamp without a time of day and offset |",
        "| `after_export_day:<col>` | has an event time more than a day after its export day |",
        "| `invalid_precision:<col>` | has more decimals than the column keeps (money: 2) |",
        "| `not_allowed:<col>` | has a value outside the allowed list, or a business code "
        "missing from the column's reference file (the run summary names the file) |",
        "| `out_of_range:<col>` | has a value outside the column's range |",
        "| `empty_row` | is blank |",
        "| `malformed_row` | is a CSV line with the wrong number of fields |",
        "| `malformed_json` | is a JSON line that is not a JSON object |",
        "| `nested_value:<col>` | has an object or array where the column holds one value |",
        "",
        *_reading_md(contract),
    ]
    parts += [_source_md(src) + "\n" for src in contract.sources.values()]
    if contract.reference:
        parts.append(_reference_md(contract))
    return "\n".join(parts)


def _reference_md(contract: Contract) -> str:
    lines = [
        "## Reference data",
        "",
        "Business codes (channels, products, terms, ...) belong to the lender, not to this "
        "contract: they are the CSV files of the reference folder, `$LENDING_REFERENCE_DIR` "
        "(default: `reference/` in the repository, whose files match the demo data). To use "
        "your own, copy that folder, edit the files and point `LENDING_REFERENCE_DIR` at it.",
        "",
        "- One file per table, `<table>.csv`: UTF-8, comma-separated, a header row. The **first "
        "column is the code** (the key): non-empty, unique, compared exactly (case-sensitive, "
        "surrounding spaces trimmed). The other columns below are required where marked; extra "
        "columns are ignored.",
        "- A bad file (missing file or required column, empty or duplicate code, a value of the "
        "wrong type) stops the ingestion run with every problem listed by file, row and column; "
        "the warehouse keeps the reference it had.",
        "- Every ingestion run reloads the folder into `reference.<table>` (Dagster asset "
        "`reference/<table>`, group `ingestion`). A row whose code is missing from its file is "
        "quarantined as `not_allowed:<col>`; the run summary lists the unknown codes and the file "
        "to add them to. After adding them, `make run` (the reference data is part of each export "
        "day's digest, so every day of the sources checked against the edited file loads again) or "
        "`make reprocess FROM=YYYY-MM-DD TO=YYYY-MM-DD` (those days) loads the rows: nothing has "
        "to be exported again.",
        "- dbt reads the same tables (source `reference`, views `stg_ref_<table>`) and tests "
        "every code column against them (`relationships`), so no list of codes is written "
        "anywhere else (a test scans the repository for one). Booleans are `true`/`false`.",
        "- Not reference data: the few `allowed` lists above (touch types, gender, application "
        "status, contact target) are this contract's own enums, whose meaning the platform's "
        "logic depends on (attribution, the status lifecycle, collections compliance). The "
        "simulator, a source system, keeps its own code lists; a test checks that the shipped "
        "files accept every code it writes.",
        "",
    ]
    users: dict[str, list[str]] = {}
    for src in contract.sources.values():
        for col in src.columns:
            if col.reference:
                users.setdefault(col.reference.split(".")[0], []).append(f"`{src.name}.{col.name}`")
    for table in contract.reference.values():
        lines += [
            f"### `{table.file_name}`",
            "",
            table.description,
            "",
            f"- Checks: {', '.join(users.get(table.name, [])) or 'no source column'}",
            "",
            "| column | type | required | meaning |",
            "|---|---|---|---|",
        ]
        lines += [f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | {c.doc} |"
                  for c in table.columns]
        lines.append("")
    return "\n".join(lines)


def render() -> dict[Path, str]:
    contract = load_contract()
    files = {
        SOURCES_YML: HEADER + yaml.safe_dump(dbt_sources(contract), sort_keys=False,
                                             allow_unicode=True, width=100),
        DOCS_MD: docs_markdown(contract),
    }
    for table in contract.reference.values():
        model = REFERENCE_MODELS / f"stg_ref_{table.name}"
        files[model.with_suffix(".sql")] = reference_model_sql(table)
        files[model.with_suffix(".yml")] = HEADER + yaml.safe_dump(
            reference_model_yml(table), sort_keys=False, allow_unicode=True, width=100)
    return files


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for path, text in render().items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run `make contract`): " + ", ".join(str(p) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
