"""ops.build_failures (lending.build_failures) and the stale tables derived from it (issue 19)."""

import dagster as dg
import duckdb

from lending.build_failures import BuildFailure, current_failures, record
from orchestration.assets.serving import child_keys, stale_tables


def failure(unique_id: str, asset_key: str) -> BuildFailure:
    return BuildFailure(unique_id=unique_id, name=unique_id.split(".")[-1], resource_type="model",
                        status="error", message="boom", failures=None,
                        file="dbt_project/models/x.sql", asset_key=asset_key)


def test_a_clean_build_records_nothing_and_clears_what_it_ran():
    """A build where every node ran and passed leaves no failure, also after a failed one; a node
    that was skipped keeps its failure (a skip says nothing about a fix)."""
    con = duckdb.connect()
    record(con, [{"unique_id": "model.a", "status": "error"},
                 {"unique_id": "model.b", "status": "error"}],
           [failure("model.a", "marts/a"), failure("model.b", "marts/b")], "run-1")
    assert {f.unique_id for f in current_failures(con)} == {"model.a", "model.b"}
    record(con, [{"unique_id": "model.a", "status": "success"},
                 {"unique_id": "model.b", "status": "skipped"}], [], "run-2")
    assert [f.unique_id for f in current_failures(con)] == ["model.b"]
    record(con, [], [], "run-3")  # nothing ran: nothing changes
    assert [f.unique_id for f in current_failures(con)] == ["model.b"]


def test_stale_tables_are_the_failed_asset_and_its_published_descendants():
    """int_x fails: its published descendants mart_y (direct) and ml/z (through attribution_py,
    not a published schema) are stale; int_x itself is not published (intermediate); mart_w,
    beside it, is not stale."""
    stg = dg.AssetSpec(["staging", "stg_x"])
    int_x = dg.AssetSpec(["intermediate", "int_x"], deps=[stg.key])
    mart_y = dg.AssetSpec(["marts", "mart_y"], deps=[int_x.key])
    attribution = dg.AssetSpec(["attribution_py", "t"], deps=[int_x.key])
    z = dg.AssetSpec(["ml", "z"], deps=[attribution.key])
    mart_w = dg.AssetSpec(["marts", "mart_w"], deps=[stg.key])

    @dg.multi_asset(specs=[stg, int_x, mart_y, attribution, z, mart_w])
    def everything():
        return None

    stale = stale_tables([failure("model.int_x", "intermediate/int_x")], child_keys([everything]))
    assert set(stale) == {"marts.mart_y", "ml.z"}
    assert stale["marts.mart_y"] == "upstream model int_x error (dbt_project/models/x.sql)"
    # a published asset that fails itself is stale for its own error, not an upstream one
    own = stale_tables([failure("model.mart_y", "marts/mart_y")], child_keys([everything]))
    assert own == {"marts.mart_y": "model mart_y error (dbt_project/models/x.sql)"}
