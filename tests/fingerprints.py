"""Content hashes of warehouse relations, shared by the integration and reliability suites."""

import hashlib
from pathlib import Path

import duckdb

WAREHOUSE_SCHEMAS = ("raw", "staging", "intermediate", "marts")
VOLATILE_COLUMNS = ("_ingested_at",)  # load timestamps differ between identical loads
# DuckDB sums doubles in parallel, in whatever order its threads finish: two identical builds can
# differ in the last bits of a double aggregate (e.g. a principal-weighted APR). Doubles are
# compared to 12 significant digits; decimals, integers, text and dates exactly.
DOUBLE_DIGITS = 12


def _stable(value):
    return float(f"{value:.{DOUBLE_DIGITS}g}") if isinstance(value, float) else value


def table_fingerprints(path: Path, schemas: tuple[str, ...] = WAREHOUSE_SCHEMAS) -> dict[str, str]:
    """Content hash (sorted rows) of every table and view of ``schemas``, ignoring load times."""
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?::varchar[]))", [list(schemas)]
        ).fetchall()
        prints = {}
        for schema, name in relations:
            cols = [
                c for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? "
                    "and column_name not in (select unnest(?::varchar[])) "
                    "order by ordinal_position", [schema, name, list(VOLATILE_COLUMNS)]).fetchall()
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'select {select} from "{schema}"."{name}" order by all').fetchall()
            rows = [tuple(_stable(v) for v in row) for row in rows]
            prints[f"{schema}.{name}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return prints
