"""A day's digest (lending/ingestion/digest.py) is the same in every process: a digest that
changed with the interpreter (hash seeds, set order) would reload every day on every run."""

import os
import subprocess
import sys

from lending.contract import load_contract
from lending.settings import REPO_ROOT

SCRIPT = """
import duckdb
from lending.contract import load_contract
from lending.ingestion.digest import source_digest
from lending.reference import load_reference
from lending.settings import Settings

con = duckdb.connect()
contract = load_contract()
load_reference(con, Settings.from_env({}).reference_dir, contract)
print(",".join(source_digest(con, s) for s in contract.sources.values()))
"""


def _digests(hash_seed: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONHASHSEED": hash_seed})
    return out.stdout.strip().split(",")


def test_the_source_digest_is_the_same_in_every_process():
    first, second = _digests("1"), _digests("2")
    assert first == second
    assert len(set(first)) == len(first) == len(load_contract().sources)  # one each, all differ
