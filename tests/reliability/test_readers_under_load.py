"""Readers under load: BI readers of the serving snapshot never fail nor see a mixed version.

4 reader processes open the snapshot read-only in a loop and compare the row count of every
table with the counts published in the same snapshot (``main.snapshot_row_counts``, keyed by
``main.snapshot_info.version_id``), while 5 rebuilds publish new versions of it. Each rebuild
publishes from a warehouse whose marts lost a different share of rows, so versions differ and a
read that mixed two versions would show counts of one and the version of the other.
"""

import multiprocessing as mp
import random
import shutil
import time

import duckdb
import pytest

from orchestration.serving import publish_snapshot
from tests.reliability.platform import snapshot_problems

pytestmark = pytest.mark.reliability
READERS = 4
REBUILDS = 5


def read_loop(path: str, expected: list[str], stop, results, ready=None) -> None:
    reads, errors, versions = 0, [], set()
    while not stop.is_set() or reads + len(errors) == 0:
        try:
            problems = snapshot_problems(path, set(expected))
            with duckdb.connect(path, read_only=True) as con:
                versions.add(con.execute("select version_id from main.snapshot_info").fetchone()[0])
            errors += problems
            reads += 1
        except Exception as err:  # noqa: BLE001 - every error is a finding
            errors.append(f"{type(err).__name__}: {err}")
        if reads + len(errors) == 1 and ready is not None:
            ready.put(True)
    results.put((reads, errors, sorted(versions)))


def rebuild(source_warehouse, scratch, serving_dir, seed: int) -> str:
    """A new warehouse version (marts thinned at random), published as the new snapshot."""
    shutil.copyfile(source_warehouse, scratch)
    rng = random.Random(seed)
    with duckdb.connect(str(scratch)) as con:
        marts = [n for (n,) in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'marts'").fetchall()]
        for name in marts:
            con.execute(f'delete from marts."{name}" where random() < ?', [rng.uniform(0.1, 0.9)])
        publish_snapshot(con, serving_dir)
    with duckdb.connect(str(serving_dir / "lending.duckdb"), read_only=True) as con:
        return con.execute("select version_id from main.snapshot_info").fetchone()[0]


def test_readers_see_one_complete_version_while_the_snapshot_is_rebuilt(platform, tmp_path):
    ctx = mp.get_context("spawn")
    stop, results, ready = ctx.Event(), ctx.Queue(), ctx.Queue()
    expected = sorted(platform.reference_snapshot)
    readers = [ctx.Process(target=read_loop,
                           args=(str(platform.snapshot), expected, stop, results, ready))
               for _ in range(READERS)]
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
    assert [errors for _, errors, _ in outcomes] == [[]] * READERS
    assert all(reads > 0 for reads, _, _ in outcomes)
    seen = {v for _, _, versions in outcomes for v in versions}
    assert len(seen & set(published)) >= 2  # the readers really ran across rebuilds
    # Leave the platform as it was: publish the real marts again.
    with duckdb.connect(str(platform.warehouse)) as con:
        publish_snapshot(con, platform.snapshot.parent)
