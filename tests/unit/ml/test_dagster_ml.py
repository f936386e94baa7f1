"""The ML wiring in Dagster: group, schedule targeting both training assets, promote job, and a
materialization of the training asset registers a new version when its features changed (on
synthetic features)."""

import dagster as dg

from lending.settings import TIMEZONE, Settings
from ml import config
from ml.registry import Registry
from orchestration.assets.ml import CHURN_MODEL_KEY, CREDIT_MODEL_KEY, credit_ml
from orchestration.definitions import build_definitions
from orchestration.resources import MlRegistry, WarehouseResource
from tools.harness.synthetic import credit_features


def test_weekly_schedule_targets_both_training_assets(tmp_path):
    defs = build_definitions(Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}))
    schedule = defs.resolve_schedule_def("ml_weekly_retrain")
    assert schedule.cron_schedule == "0 3 * * 1"
    assert schedule.execution_timezone == TIMEZONE
    job = defs.resolve_job_def(schedule.job_name)
    keys = set(job.asset_layer.selected_asset_keys)
    assert {CREDIT_MODEL_KEY, CHURN_MODEL_KEY} <= keys
    graph = defs.resolve_asset_graph()
    assert {graph.get(k).group_name for k in (CREDIT_MODEL_KEY, CHURN_MODEL_KEY)} == {"ml"}
    assert defs.resolve_job_def("ml_promote") is not None
    # make run's warehouse job trains and scores too
    build = set(defs.resolve_job_def("build_warehouse").asset_layer.selected_asset_keys)
    assert {CREDIT_MODEL_KEY, CHURN_MODEL_KEY, dg.AssetKey(["ml", "credit_scores"])} <= build


def test_the_build_runs_dbt_in_two_steps_around_attribution_and_ml(tmp_path):
    """Issue 20: every model that reads neither the attribution tables nor the scores, then the
    attribution and score-dependent marts together; each model trains and scores in one step."""
    defs = build_definitions(Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)}))
    steps = set(defs.resolve_job_def("build_warehouse").graph.node_dict)
    assert sorted(s for s in steps if s.startswith("lending_dbt_models")) == [
        "lending_dbt_models", "lending_dbt_models_2"]
    assert {"credit_ml", "churn_ml", "data_driven_attribution"} <= steps
    assert not steps & {"ml__credit_model", "ml__credit_scores", "ml__churn_scores"}


def test_materialization_registers_a_new_version(tmp_path):
    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)})
    warehouse = settings.warehouse()
    warehouse.path.parent.mkdir(parents=True)
    with warehouse.connect() as con:
        con.execute("create schema marts")
        con.register("f", credit_features(2500, seed=21))
        con.execute("create table marts.feat_credit_applications as select * from f")
    resources = {"duckdb": WarehouseResource.from_settings(settings),
                 "ml_registry": MlRegistry(data_dir=str(tmp_path))}
    def materialize(expected_versions: int) -> dict:
        result = dg.materialize([credit_ml], resources=resources, selection=[CREDIT_MODEL_KEY])
        assert result.success
        versions = Registry(tmp_path).versions(config.CREDIT_MODEL)
        assert list(versions["version"]) == list(range(1, expected_versions + 1))
        return result.asset_materializations_for_node("credit_ml")[0].metadata

    assert materialize(1)["trained"].value is True
    # The same features again (same seed and code, ml/digest.py): nothing is trained.
    again = materialize(1)
    assert again["trained"].value is False and "nothing was trained" in again["message"].value
    # One corrected value is new data: a new version.
    with warehouse.connect() as con:
        con.execute("update marts.feat_credit_applications set bureau_score = bureau_score + 1 "
                    "where application_id = (select min(application_id) "
                    "from marts.feat_credit_applications)")
    metadata = materialize(2)
    assert metadata["credit_pd/version"].value == "2"
    assert "data:image/png;base64," in metadata["credit_pd/plots"].value
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from ml.model_registry").fetchone()[0] == 4  # 2 models x 2
    # the manual job rolls the champion back to version 1 and rewrites the mirror
    from orchestration.jobs import ml_promote

    assert Registry(tmp_path).champion_version(config.CREDIT_MODEL) == "2"
    run = ml_promote.execute_in_process(
        run_config={"ops": {"change_champion": {"config": {"model": config.CREDIT_MODEL,
                                                           "action": "rollback"}}}},
        resources=resources)
    assert run.success and run.output_for_node("change_champion") == "1"
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select version from ml.model_registry where model_name = 'credit_pd' "
                           "and status = 'champion'").fetchall() == [(1,)]
