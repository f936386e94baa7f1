"""Readers under load: BI readers of the serving snapshot never fail nor see a mixed version.

4 reader processes read the published version in a loop while 5 rebuilds publish new versions:
two open the DuckDB snapshot read-only and compare the row count of every table with the counts
published in the same snapshot (``main.snapshot_row_counts``, keyed by
``main.snapshot_info.version_id``); one does the same through SQLAlchemy and duckdb-engine (what
BI tools use); one reads the Parquet files, as a notebook would, and compares each file's rows
with the manifest of the version the file says it belongs to. Each rebuild publishes from a
warehouse whose marts lost a different share of rows, so versions differ and a read that mixed
two versions would show counts of one and the version of the other.
"""

import multiprocessing as mp
import random
import shutil
import time

import duckdb
import pytest

from lending.serving import publish
from tests.reliability.platform import (
    parquet_problems,
    snapshot_problems,
    sqlalchemy_snapshot_problems,
)

pytestmark = pytest.mark.reliability
READERS = ("duckdb", "duckdb", "sqlalchemy", "parquet")
REBUILDS = 5


def duckdb_read(path: str, expected: set[str]) -> tuple[str, list[str]]:
    problems = snapshot_problems(path, expected)
    with duckdb.connect(path, read_only=True) as con:
        return con.execute("select version_id from main.snapshot_info").fetchone()[0], problems


CHECKS = {"duckdb": duckdb_read, "sqlalchemy": sqlalchemy_snapshot_problems,
          "parquet": parquet_problems}


def read_loop(kind: str, path: str, expected: list[str], stop, results, ready=None) -> None:
    reads, errors, versions = 0, [], set()
    while not stop.is_set() or reads + len(errors) == 0:
        try:
            version, problems = CHECKS[kind](path, set(expected))
            versions.add(version)
            errors += [f"{kind}: {p}" for p in problems]
            reads += 1
        except Exception as err:  # noqa: BLE001 - every error is a finding
            errors.append(f"{kind}: {type(err).__name__}: {err}")
        if reads + len(errors) == 1 and ready is not None:
            ready.put(True)
    results.put((kind, reads, errors, sorted(versions)))


def rebuild(source_warehouse, scratch, serving_dir, seed: int) -> str:
    """A new warehouse version (marts thinned at random), published as the new snapshot."""
    shutil.copyfile(source_warehouse, scratch)
    rng = random.Random(seed)
    with duckdb.connect(str(scratch)) as con:
        marts = [n for (n,) in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'marts' "
                                           "and table_type = 'BASE TABLE'").fetchall()]
        for name in marts:
            con.execute(f'delete from marts."{name}" where random() < ?', [rng.uniform(0.1, 0.9)])
        publish(con, serving_dir)
    with duckdb.connect(str(serving_dir / "lending.duckdb"), read_only=True) as con:
        return con.execute("select version_id from main.snapshot_info").fetchone()[0]


def test_readers_see_one_complete_version_while_the_snapshot_is_rebuilt(platform, tmp_path):
    ctx = mp.get_context("spawn")
    stop, results, ready = ctx.Event(), ctx.Queue(), ctx.Queue()
    expected = sorted(platform.reference_snapshot)
    readers = [ctx.Process(target=read_loop,
                           args=(kind, str(platform.snapshot), expected, stop, results, ready))
               for kind in READERS]
    for reader in readers:
        reader.start()
    published = []
    try:
        for _ in readers:  # every reader has read once before the first rebuild
            ready.get(timeout=300)
        for seed in range(REBUILDS):
            published.append(rebuild(platform.warehouse, tmp_path / "scratch.duckdb",
                                     platform.snapshot.parent, seed))
            time.sleep(0.5)
    finally:
        stop.set()
        outcomes = [results.get(timeout=120) for _ in readers]
        for reader in readers:
            reader.join(30)
    assert len(set(published)) == REBUILDS
    assert sorted(kind for kind, *_ in outcomes) == sorted(READERS)
    assert [errors for _, _, errors, _ in outcomes] == [[]] * len(READERS)
    assert all(reads > 0 for _, reads, _, _ in outcomes)
    # every reader really ran across rebuilds (the version it started on and a rebuilt one)
    assert all(len(versions) >= 2 for *_, versions in outcomes), outcomes
    seen = {v for *_, versions in outcomes for v in versions}
    assert len(seen & set(published)) >= 2
    # Leave the platform as it was: publish the real marts again.
    with duckdb.connect(str(platform.warehouse)) as con:
        publish(con, platform.snapshot.parent)
