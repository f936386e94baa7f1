"""`make docs` on the session-wide warehouse: the catalog documents every mart and column, offline."""

import json

import pytest

from tools.dbt_docs import generate, offline_problems

pytestmark = pytest.mark.integration


def test_docs_describe_every_mart_column_of_the_built_warehouse_and_need_no_network(
        pipeline, tmp_path):
    # --no-compile: the compiled SQL is not what is checked here, and compiling costs a minute.
    target = generate(pipeline["settings"], tmp_path / "target", compile_sql=False)
    assert offline_problems(target) == []
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    marts = {uid: node for uid, node in manifest["nodes"].items()
             if node["resource_type"] == "model" and node["fqn"][1] == "marts"}
    assert len(marts) >= 20
    for uid, node in marts.items():
        assert node["description"].strip(), uid
        built = {c.lower() for c in catalog["nodes"][uid]["columns"]}  # from the warehouse
        described = {c.lower() for c, col in node["columns"].items() if col["description"].strip()}
        assert built and built == described, uid
    assert "manifest" in (target / "static_index.html").read_text(encoding="utf-8")
