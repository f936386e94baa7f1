"""Personal data: no name, phone or ID number of the landing data outside `raw`.

Every value of every column of every table and view outside the `raw` schema (staging,
intermediate, marts, seeds, ...) and of the serving snapshot is compared with the names, phone
numbers and ID numbers of the landing exports: equal to one, or containing a phone or ID number,
is a leak. The Parquet files published beside the snapshot are scanned the same way. The same
scan over `raw.users` must find them (it proves the scan can see a leak).
"""

import duckdb
import pytest

from lending.contract import load_contract

pytestmark = pytest.mark.reliability
PII_COLUMNS = [c.name for c in load_contract()["users"].columns if c.pii and c.type == "varchar"]


def landing_pii(landing) -> tuple[list[str], list[str]]:
    """(every PII value, the digit-string ones) of the users exports, read as plain text."""
    glob = str(landing / "users" / "dt=*" / "*.csv")
    with duckdb.connect() as con:
        union = " union ".join(
            f'select trim("{c}") as v from read_csv(?, all_varchar = true)' for c in PII_COLUMNS)
        values = sorted(v for (v,) in con.execute(
            f"select distinct v from ({union}) where v <> ''", [glob] * len(PII_COLUMNS)
        ).fetchall())
    digits = [v for v in values if v[:-1].isdigit()]  # phones, ID numbers (last may be X)
    return values, digits


def leaks(path, schemas_excluded: tuple[str, ...], values, digits) -> dict[str, int]:
    """relation -> number of values equal to a PII value or containing a phone / ID number."""
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in (select unnest(?::varchar[]))", [list(schemas_excluded)]
        ).fetchall()
        return relation_leaks(con, relations, values, digits)


def parquet_leaks(folder, values, digits) -> dict[str, int]:
    """``leaks`` over every Parquet file under ``folder`` (<schema>/<table>.parquet)."""
    files = sorted(folder.rglob("*.parquet"))
    assert files, f"no Parquet files under {folder}"
    with duckdb.connect() as con:
        for path in files:
            con.execute(f'create schema if not exists "{path.parent.name}"')
            con.execute(f'create view "{path.parent.name}"."{path.stem}" as '
                        f"select * from read_parquet('{path}')")
        relations = [(p.parent.name, p.stem) for p in files]
        return relation_leaks(con, relations, values, digits)


def relation_leaks(con, relations, values, digits) -> dict[str, int]:
    """relation -> cells of ``relations`` (readable on ``con``) that are or contain PII."""
    found = {}
    for schema, name in relations:
        (n,) = con.execute(
            f"""with cells as (
                    unpivot (select cast(columns(*) as varchar) from "{schema}"."{name}")
                    on columns(*) into name col value val)
                select count(*) from cells
                where val in (select unnest(?::varchar[]))
                   or exists (select 1 from (select unnest(?::varchar[]) as d) p
                              where contains(cells.val, p.d))""",
            [values, digits]).fetchone()
        if n:
            found[f"{schema}.{name}"] = n
    return found


def test_no_landing_pii_outside_raw_nor_in_the_snapshot(platform, tmp_path):
    values, digits = landing_pii(platform.root / "landing")
    assert len(values) > 500 and len(digits) > 300  # names, phones, ID numbers of ~300 users
    # The scan sees PII where it is supposed to be (raw), so an empty result below means none.
    assert leaks(platform.warehouse, (), values, digits).get("raw.users", 0) >= len(values) - 10
    assert leaks(platform.warehouse, ("raw",), values, digits) == {}
    assert leaks(platform.snapshot, (), values, digits) == {}
    # The Parquet scan sees PII too: raw.users written as Parquet is found.
    (tmp_path / "raw").mkdir()
    with duckdb.connect(str(platform.warehouse), read_only=True) as con:
        con.execute(f"copy raw.users to '{tmp_path / 'raw' / 'users.parquet'}' (format parquet)")
    assert parquet_leaks(tmp_path, values, digits).get("raw.users", 0) >= len(values) - 10
    assert parquet_leaks(platform.snapshot.parent / "parquet", values, digits) == {}
