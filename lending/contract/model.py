"""Typed view of ``landing_contract.yml``."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("landing_contract.yml")
FORMATS = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}
# Text values that mean "no value" (what spreadsheets and database dumps write for null); a blank
# value is always null. The contract's top-level ``null_values`` replaces this list, and a source's
# own ``null_values`` replaces that one.
DEFAULT_NULL_VALUES = ("", "NULL", "null", "NA", "N/A", "\\N")
DEFAULT_ENCODING = "utf-8"

# Lineage columns every raw table carries after the contract columns.
LINEAGE_COLUMNS: dict[str, tuple[str, str]] = {
    "_source_file": ("varchar", "Landing file the row was read from."),
    "_source_row": ("bigint", "1-based data row in that file (header excluded)."),
    "_partition_date": ("date", "Export day (the dt=YYYY-MM-DD folder) the row arrived in."),
    "_ingested_at": ("timestamptz", "When the row was loaded into the warehouse."),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    required: bool = False
    allowed: tuple | None = None
    reference: str | None = None  # "<reference table>.<its key column>": codes owned by the business
    min: object | None = None
    max: object | None = None
    pii: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    format: str
    description: str
    natural_key: tuple[str, ...]
    columns: tuple[Column, ...]
    updated_at: str | None = None
    encoding: str = DEFAULT_ENCODING  # of the text formats (csv, jsonl); a UTF-8 BOM is skipped
    null_values: tuple[str, ...] = DEFAULT_NULL_VALUES

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def extension(self) -> str:
        return FORMATS[self.format]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class ReferenceTable:
    """One file of business codes in the reference folder (``<name>.csv``), keyed by its first
    column. The contract declares its columns; the codes themselves live only in the file."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> Column:
        return self.columns[0]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


@dataclass(frozen=True)
class Contract:
    version: int
    sources: dict[str, Source]
    null_values: tuple[str, ...] = DEFAULT_NULL_VALUES
    reference: dict[str, ReferenceTable] = field(default_factory=dict)

    def referenced(self, col: Column) -> ReferenceTable | None:
        """The reference table a column's codes are checked against, if any."""
        return self.reference[col.reference.split(".")[0]] if col.reference else None

    def __getitem__(self, name: str) -> Source:
        return self.sources[name]


def _column(name: str, spec: dict) -> Column:
    allowed = spec.get("allowed")
    return Column(
        name=name,
        type=spec["type"],
        doc=spec.get("doc", ""),
        required=bool(spec.get("required", False)),
        allowed=tuple(allowed) if allowed is not None else None,
        reference=spec.get("reference"),
        min=spec.get("min"),
        max=spec.get("max"),
        pii=bool(spec.get("pii", False)),
    )


def _reference_tables(raw: dict) -> dict[str, ReferenceTable]:
    tables = {}
    for name, spec in (raw.get("reference") or {}).items():
        columns = tuple(_column(col, col_spec) for col, col_spec in spec["columns"].items())
        if not columns[0].required:
            raise ValueError(f"contract: reference {name}: key column {columns[0].name} "
                             "must be required")
        tables[name] = ReferenceTable(name, spec.get("description", ""), columns)
    return tables


def _check_reference(source: str, col: Column, tables: dict[str, ReferenceTable]) -> None:
    table, _, key = (col.reference or "").partition(".")
    where = f"contract: source {source}: column {col.name}: reference {col.reference!r}"
    if table not in tables:
        raise ValueError(f"{where}: no reference table {table!r} declared")
    if key != tables[table].key.name:
        raise ValueError(f"{where}: must name the key column {tables[table].key.name!r}")
    if tables[table].key.type != col.type:
        raise ValueError(f"{where}: type {col.type} differs from the key's {tables[table].key.type}")
    if col.allowed is not None:
        raise ValueError(f"{where}: declare either allowed or reference, not both")


def _null_values(where: str, values: object) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"contract: {where}: null_values must be a list of strings")
    return tuple(values)


def _encoding(name: str, spec: dict) -> str:
    encoding = spec.get("encoding", DEFAULT_ENCODING)
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError) as exc:
        raise ValueError(f"contract: source {name}: unknown encoding {encoding!r}") from exc
    if spec["format"] == "parquet" and "encoding" in spec:
        raise ValueError(f"contract: source {name}: encoding applies to csv and jsonl only")
    return encoding


def parse_contract(raw: dict) -> Contract:
    """Build a Contract from the parsed YAML, failing loudly on a malformed declaration."""
    reference = _reference_tables(raw)
    null_values = (_null_values("null_values", raw["null_values"]) if "null_values" in raw
                   else DEFAULT_NULL_VALUES)
    sources = {}
    for name, spec in raw["sources"].items():
        if spec["format"] not in FORMATS:
            raise ValueError(f"contract: source {name}: unknown format {spec['format']!r}")
        columns = tuple(_column(col, col_spec) for col, col_spec in spec["columns"].items())
        names = {c.name for c in columns}
        missing_key = [k for k in spec["natural_key"] if k not in names]
        if missing_key:
            raise ValueError(f"contract: source {name}: natural key columns {missing_key} undeclared")
        for col in columns:
            if col.reference is not None:
                _check_reference(name, col, reference)
        sources[name] = Source(
            name=name,
            format=spec["format"],
            description=spec.get("description", ""),
            natural_key=tuple(spec["natural_key"]),
            columns=columns,
            updated_at=spec.get("updated_at"),
            encoding=_encoding(name, spec),
            null_values=(_null_values(f"source {name}", spec["null_values"])
                         if "null_values" in spec else null_values),
        )
    return Contract(version=raw["version"], sources=sources,
                    reference=reference, null_values=null_values)


@cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    with open(path, encoding="utf-8") as f:
        return parse_contract(yaml.safe_load(f))
