"""Which business codes were quarantined for not being in the reference, and where to add them.

A real lender's exports use its own channel names, terms and event types: the rows carrying them
are quarantined (``not_allowed:<column>``) until the code is added to its reference file. The run
summary prints, per source and column, the most frequent unknown codes, the file to add them to,
and the export days to reprocess; codes already added since (but not reprocessed) are told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from lending.contract import Contract, load_contract
from lending.reference import SCHEMA, display_path, reference_file

TOP_CODES = 5


@dataclass(frozen=True)
class UnknownCodes:
    source: str
    column: str
    reference_file: Path
    key: str
    codes: list[tuple[str, int]]  # most frequent first, at most TOP_CODES
    distinct_codes: int
    rows: int
    first_day: str
    last_day: str
    added_since: list[str]  # codes now in the reference file whose rows wait for a reprocess


def _code_rows_sql(contract: Contract) -> str:
    """One row per (source, column, code) quarantined as not in its reference table."""
    parts = []
    for src in contract.sources.values():
        for col in src.columns:
            if col.reference is None:
                continue
            table, key = col.reference.split(".")
            parts.append(
                f"""select '{src.name}' as source, '{col.name}' as col,
                           trim(record ->> '{col.name}') as code, count(*) as n,
                           min(_partition_date) as first_day, max(_partition_date) as last_day,
                           trim(record ->> '{col.name}') in (
                               select cast("{key}" as varchar) from {SCHEMA}."{table}") as added
                    from raw.quarantine
                    where source = '{src.name}' and list_contains(reasons, 'not_allowed:{col.name}')
                    group by all"""
            )
    return "\nunion all\n".join(parts)


def unknown_codes(
    con: duckdb.DuckDBPyConnection, reference_dir: Path, contract: Contract | None = None
) -> list[UnknownCodes]:
    """Quarantined codes per (source, column) with a reference, most rows first."""
    contract = contract or load_contract()
    tables = {(s, t) for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables()").fetchall()}
    needed = {("raw", "quarantine")} | {(SCHEMA, name) for name in contract.reference}
    if not contract.reference or not needed <= tables:
        return []
    rows = con.execute(
        f"""with codes as ({_code_rows_sql(contract)})
            select source, col,
                   list(code order by n desc, code) filter (where not added),
                   list(n order by n desc, code) filter (where not added),
                   list(code order by code) filter (where added),
                   sum(n), min(first_day), max(last_day)
            from codes group by all order by sum(n) desc, source, col"""
    ).fetchall()
    report = []
    for source, col, codes, counts, added, n, first, last in rows:
        table = contract.referenced(contract[source].column(col))
        report.append(UnknownCodes(
            source=source, column=col, reference_file=reference_file(reference_dir, table),
            key=table.key.name, codes=list(zip(codes or [], counts or [], strict=True))[:TOP_CODES],
            distinct_codes=len(codes or []), rows=int(n), first_day=str(first),
            last_day=str(last), added_since=list(added or []),
        ))
    return report


def format_unknown_codes(report: list[UnknownCodes]) -> str:
    if not report:
        return ""
    lines = ["", "Codes not in the reference data (rows quarantined as not_allowed):"]
    days: list[str] = []
    for item in report:
        where = f"{item.source}.{item.column}"
        shown = display_path(item.reference_file)
        if item.codes:
            top = ", ".join(f"'{code}' ({n:,} row{'s' if n != 1 else ''})"
                            for code, n in item.codes)
            more = item.distinct_codes - len(item.codes)
            lines.append(f"  {where}: {top}" + (f" and {more} more codes" if more else ""))
            lines.append(f"    -> if valid, add to {shown} (column {item.key})")
        if item.added_since:
            lines.append(f"  {where}: {', '.join(repr(c) for c in item.added_since)} now in "
                         f"{shown}: reprocess to load those rows")
        days += [item.first_day, item.last_day]
    lines.append(f"  Affected export days {min(days)}..{max(days)}; after editing the files run "
                 f"`make run`, or `make reprocess FROM={min(days)} TO={max(days)}`.")
    return "\n".join(lines)
