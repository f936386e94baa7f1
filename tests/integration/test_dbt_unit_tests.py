"""Every dbt unit test, once, against the built test warehouse.

Production builds leave unit tests out (orchestration/assets/dbt.py: fixed fixtures prove the SQL,
not the data); this is where they run. dbt reads the column types of each tested model's inputs
from the warehouse, so it needs the built one.
"""

import json

from lending.dbt import run_dbt


def test_every_dbt_unit_test_passes(pipeline, tmp_path):
    target = tmp_path / "target"
    done = run_dbt(["test", "--select", "test_type:unit"], pipeline["settings"],
                   target, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    passed = {r["unique_id"] for r in results if r["status"] == "pass"}
    assert len(manifest["unit_tests"]) > 40
    assert passed == set(manifest["unit_tests"])  # every unit test ran, and passed
