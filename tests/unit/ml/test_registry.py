"""MLflow registry + gate end to end on synthetic features: a worse challenger is not promoted,
a better (or equal) one is, rollback restores the previous champion, the warehouse mirror and
the scores follow, and thin data registers nothing."""

import dataclasses
from importlib import metadata

import pytest

from lending.settings import Settings
from ml import config, pipeline
from ml.data import InsufficientDataError
from ml.registry import Registry, mirror_to_warehouse
from tools.harness.synthetic import credit_features, scramble_training_labels


def write_features(warehouse, frame):
    with warehouse.connect() as con:
        con.execute("create schema if not exists marts")
        con.register("f", frame)
        con.execute("create or replace table marts.feat_credit_applications as select * from f")


def registry_rows(warehouse, name=config.CREDIT_MODEL):
    with warehouse.connect(read_only=True) as con:
        return con.execute(
            "select version, status, reason from ml.model_registry where model_name = ? order by version",
            [name]).fetchall()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlreg")
    warehouse = Settings.from_env({"LENDING_DATA_DIR": str(root)}).warehouse()
    return root, dataclasses.replace(warehouse, path=root / "wh.duckdb")


def test_gate_flow_promote_reject_rollback(env):
    root, warehouse = env
    good = credit_features(3000, seed=11)
    write_features(warehouse, good)
    first = {r.trained.name: r for r in pipeline.train_credit_models(warehouse, root)}
    assert first[config.CREDIT_MODEL].decision.status == "champion"
    registry = Registry(root)
    assert registry.champion_version(config.CREDIT_MODEL) == "1"

    # a worse model (trained on labels without signal) stays challenger, with the reason recorded
    noise = scramble_training_labels(good)
    write_features(warehouse, noise)
    worse = {r.trained.name: r for r in pipeline.train_credit_models(warehouse, root)}
    w = worse[config.CREDIT_MODEL]
    assert (w.version, w.decision.status) == ("2", "challenger")
    assert "AUC" in w.decision.reason
    # the champion was compared on the challenger's own OOT rows
    assert w.champion_metrics["auc_oot"] > w.trained.metrics["auc_oot"] + config.AUC_TOLERANCE
    assert registry.champion_version(config.CREDIT_MODEL) == "1"

    # a model as good as the champion on the same OOT set is promoted; the old one retires
    write_features(warehouse, good)
    better = {r.trained.name: r for r in pipeline.train_credit_models(warehouse, root)}
    assert better[config.CREDIT_MODEL].decision.promote
    assert registry.champion_version(config.CREDIT_MODEL) == "3"
    rows = registry_rows(warehouse)
    assert [(v, s) for v, s, _ in rows] == [(1, "retired"), (2, "challenger"), (3, "champion")]
    # every logged model names what loading it needs, pinned to what is installed (not inferred)
    requirements = {p.read_text() for p in (root / "mlflow").rglob("requirements.txt")}
    assert requirements == {"\n".join(f"{name}=={metadata.version(name)}" for name in (
        "mlflow-skinny", "lending-platform", "scikit-learn", "skops"))}

    # scores come from the champion alias
    done = pipeline.score_credit(warehouse, root)
    assert (done.rows, done.scored, done.model_version) == (len(good), len(good), "3")
    with warehouse.connect(read_only=True) as con:
        scores = con.execute("select model_version, grade from ml.credit_scores").df()
    assert len(scores) == len(good) and set(scores["model_version"]) == {"3"}
    assert set(scores["grade"]) <= set("ABCDE")

    # manual rollback: version 1 is champion again, version 3 retired, mirror rewritten
    assert registry.rollback(config.CREDIT_MODEL) == "1"
    mirror_to_warehouse(registry, warehouse)
    rows = registry_rows(warehouse)
    assert [(v, s) for v, s, _ in rows] == [(1, "champion"), (2, "challenger"), (3, "retired")]
    assert "rolled back" in rows[2][2]
    # manual promote of the challenger (bypasses the gate on purpose)
    registry.promote(config.CREDIT_MODEL, "2", "test: manual promote")
    assert registry.champion_version(config.CREDIT_MODEL) == "2"


def test_thin_data_registers_nothing_and_keeps_the_champion(env):
    root, warehouse = env
    registry = Registry(root)
    before = registry.versions(config.CREDIT_MODEL)
    champion = registry.champion_version(config.CREDIT_MODEL)
    write_features(warehouse, credit_features(200, seed=2))
    with pytest.raises(InsufficientDataError, match="champion is unchanged"):
        pipeline.train_credit_models(warehouse, root)
    assert len(registry.versions(config.CREDIT_MODEL)) == len(before)
    assert registry.champion_version(config.CREDIT_MODEL) == champion
