"""What loading an export day depends on, as one digest: a day whose inputs did not change since
its last load is not loaded again.

Why: `make run` hands ingestion every export day of the landing zone. Loading all of them again
each day made the daily run cost a share of the history (the demo: ~550 days x 9 sources read,
checked and rewritten to change nothing), and each reload gave the day a new ``_ingested_at``, so
every incremental model saw all history as changed (docs/incremental.md).

A day's rows in raw.<source> and raw.quarantine are a function of three inputs, and the digest
covers all three:

- the day's export files: their names (relative to the landing zone) and bytes;
- the source's landing contract (columns, types, formats, keys, code columns);
- the reference tables its code columns are checked against, as loaded in the warehouse.

So a day is skipped only when loading it again would write the same rows; a corrected or renamed
file, a new code in reference/, or a contract edit loads the day again. Days that failed or had no
folder are always looked at again. The loading code itself is not in the digest: after an upgrade
that changes how rows are checked, `make reprocess` loads a range again whatever its digests say.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from lending.contract import Source
from lending.reference import SCHEMA as REFERENCE_SCHEMA

ALGORITHM = "sha256"


def source_digest(con: duckdb.DuckDBPyConnection, source: Source) -> str:
    """Digest of the source's contract and of the reference tables its codes are checked against."""
    digest = hashlib.new(ALGORITHM, repr(source).encode())
    for table in sorted({c.reference.split(".")[0] for c in source.columns if c.reference}):
        digest.update(f"\n{table}:{reference_table_digest(con, table)}".encode())
    return digest.hexdigest()


def reference_table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """md5 of every row of ``reference.<table>``, in an order that does not depend on storage."""
    [(content,)] = con.execute(
        f"""select md5(coalesce(string_agg(cast(t as varchar), chr(10)
                                           order by cast(t as varchar)), ''))
            from {REFERENCE_SCHEMA}."{table}" as t"""
    ).fetchall()
    return content


def day_digest(source_part: str, files: list[Path], names: list[str]) -> str:
    """Digest of one export day: ``source_digest`` plus each file's name and bytes, in order."""
    digest = hashlib.new(ALGORITHM, source_part.encode())
    for path, name in zip(files, names, strict=True):
        with open(path, "rb") as handle:
            content = hashlib.file_digest(handle, ALGORITHM).hexdigest()
        digest.update(f"\n{name}:{content}".encode())
    return digest.hexdigest()


def loaded_digests(con: duckdb.DuckDBPyConnection, source: Source) -> dict:
    """Export day -> digest of its last successful load (raw.load_log)."""
    return dict(con.execute(
        """select _partition_date, input_digest from raw.load_log
           where source = ? and status = 'loaded' and input_digest is not null""",
        [source.name],
    ).fetchall())
