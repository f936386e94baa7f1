"""Contract checks as one set-based SQL statement generated from the contract.

Given a relation of candidate rows (see readers.py), produce every contract column cast to its
warehouse type plus ``reasons``: the list of rules the row breaks (empty = good row). Reasons are
``<rule>:<column>`` so a quarantined row says what is wrong and where. Columns with business
codes are checked against the warehouse's ``reference.<table>`` (loaded by
``lending.reference``), which must exist before this SQL runs.

Text values are trimmed first (`` app_store `` is ``app_store``), and a blank or one of the
source's null spellings (contract ``null_values``: ``NULL``, ``NA``, ``\\N``, ...) is null. A text
value must convert exactly: ``12.345`` is not money with two decimals and ``3.5`` is not a whole
number of months, where a plain cast would round both.
"""

from __future__ import annotations

import datetime as dt

from lending.contract import Column, Source
from lending.reference import SCHEMA as REFERENCE_SCHEMA

# A time of day followed by an offset: '2025-03-01T10:00:00+08:00', '... 10:00Z'. A bare date
# ('2025-03-01') or a local time without offset would be read in the session's time zone.
OFFSET_PATTERN = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$"
# Event timestamps cannot lie in the future of their export: a value more than a day after the
# export day is a source error (it would otherwise move the as-of date of every risk mart).
FUTURE_SLACK_DAYS = 2
TEXT_TYPES = {"VARCHAR"}
INTEGER_TYPES = {"integer", "bigint", "smallint", "tinyint"}
# The value of a text number without rounding (18 decimals: finer than any float noise such as
# 0.1 + 0.2 = 0.30000000000000004), to tell an exact cast from a rounding one.
EXACT = "decimal(38, 18)"


def _literal(value: object, col_type: str) -> str:
    if isinstance(value, (str, dt.date)):
        literal = str(value).replace("'", "''")
        if col_type == "date":
            return f"date '{literal}'"
        return f"'{literal}'"
    return repr(value)


def _value_expr(col: Column, input_type: str | None, null_values: tuple[str, ...]) -> str:
    """The column as it arrived, trimmed: a null spelling, a blank or an absent column is null."""
    if input_type is None:
        return "null"
    ref = f'"{col.name}"'
    if input_type not in TEXT_TYPES:
        return ref
    spellings = ", ".join(_literal(v, "varchar") for v in sorted({"", *null_values}))
    return f"case when trim({ref}) in ({spellings}) then null else trim({ref}) end"


def _typed_expr(col: Column, value: str, input_type: str | None) -> str:
    """The value in the column's type, or null when it does not convert exactly."""
    typed = f"try_cast({value} as {col.type})"
    if col.type in INTEGER_TYPES and input_type in TEXT_TYPES:  # a cast would round '3.5' to 4
        return f"case when try_cast({value} as {EXACT}) % 1 <> 0 then null else {typed} end"
    return typed


def _checks(col: Column, value: str, typed: str, input_type: str | None) -> list[str]:
    name = col.name
    checks = []
    if col.required:
        checks.append(f"case when {value} is null then 'missing_required:{name}' end")
    checks.append(
        f"case when {value} is not null and {typed} is null then 'invalid_type:{name}' end"
    )
    if col.type == "timestamptz" and input_type in TEXT_TYPES:
        checks.append(
            f"case when {typed} is not null and not regexp_matches({value}, '{OFFSET_PATTERN}') "
            f"then 'missing_offset:{name}' end"
        )
    if col.type == "timestamptz":
        checks.append(
            f"case when {typed} > cast(_partition_date as timestamptz) "
            f"+ interval {FUTURE_SLACK_DAYS} day then 'after_export_day:{name}' end"
        )
    if col.type.startswith("decimal") and input_type in TEXT_TYPES:
        checks.append(
            f"case when {typed} <> try_cast({value} as {EXACT}) "
            f"then 'invalid_precision:{name}' end"
        )
    if col.allowed is not None:
        values = ", ".join(_literal(v, col.type) for v in col.allowed)
        checks.append(f"case when {typed} not in ({values}) then 'not_allowed:{name}' end")
    if col.reference is not None:
        # Business codes: set-based lookup in the reference table loaded from the reference
        # folder (lending/reference.py); same reason as an allowed list.
        table, key = col.reference.split(".")
        checks.append(
            f"case when {typed} not in (select \"{key}\" from {REFERENCE_SCHEMA}.\"{table}\") "
            f"then 'not_allowed:{name}' end"
        )
    bounds = []
    if col.min is not None:
        bounds.append(f"{typed} < {_literal(col.min, col.type)}")
    if col.max is not None:
        bounds.append(f"{typed} > {_literal(col.max, col.type)}")
    if bounds:
        checks.append(f"case when {' or '.join(bounds)} then 'out_of_range:{name}' end")
    return checks


def checked_rows_sql(source: Source, relation: str, input_types: dict[str, str]) -> str:
    """SELECT over ``relation`` returning typed contract columns, lineage and ``reasons``.

    ``input_types`` maps each column present in the relation to its DuckDB type; contract
    columns absent from it load as null (and fail ``missing_required`` if required).
    """
    # Three layers, so each column's trimmed value and typed value are computed once per row
    # however many checks read them: values (v), typed values (t), then checks and reasons.
    value_cols, typed_cols, out_cols, checks, originals, values = [], [], [], [], [], []
    for col in source.columns:
        input_type = input_types.get(col.name)
        v, t = f'"__v_{col.name}"', f'"__t_{col.name}"'
        value_cols.append(f"{_value_expr(col, input_type, source.null_values)} as {v}")
        typed_cols.append(f"{_typed_expr(col, v, input_type)} as {t}")
        out_cols.append(f'{t} as "{col.name}"')
        values.append(v)
        checks += _checks(col, v, t, input_type)
        if input_type is not None:
            originals.append(f"'{col.name}': \"{col.name}\"")
    record = "to_json({" + ", ".join(originals) + "})" if originals else "null::json"
    all_checks = "[" + ", ".join(checks) + "]"
    # A problem the reader found in a value (_value_errors, e.g. nested_value:<col>) replaces the
    # checks of that column: its text would otherwise pass as a varchar or fail as a type.
    flagged = "list_transform(_value_errors, lambda e: split_part(e, ':', 2))"
    reasons = (
        "case when _structural_error is not null then [_structural_error] "
        "when _value_errors is not null then list_concat(_value_errors, list_filter("
        f"{all_checks}, lambda r: r is not null "
        f"and not list_contains({flagged}, split_part(r, ':', 2)))) "
        f"when {' and '.join(f'{v} is null' for v in values)} then ['empty_row'] else "
        f"list_filter({all_checks}, lambda r: r is not null) end"
    )
    sep = ",\n    "
    # The original record is what a quarantine row shows; good rows never need it, and building
    # JSON for every row was a large share of the pass.
    return f"""
select
    {sep.join(out_cols)},
    _source_file,
    _source_row,
    _partition_date,
    reasons,
    case when len(reasons) = 0 then null
         when _raw_line is not null then to_json({{'line': _raw_line}}) else {record} end
        as record
from (
    select *, {reasons} as reasons
    from (
        select *, {sep.join(typed_cols)}
        from (select *, {sep.join(value_cols)} from {relation})
    )
)
"""
